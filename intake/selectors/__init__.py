"""Reads of the intake app that need more than a plain query, one module per topic."""
