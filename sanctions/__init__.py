"""Violations, responsibility, the rulebook and sanctions (issue 7)."""
