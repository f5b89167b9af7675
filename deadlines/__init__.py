"""Working-time calendar and arithmetic, policies, cases and their clocks."""
