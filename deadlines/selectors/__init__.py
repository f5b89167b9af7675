"""Reads of the deadlines app that need more than a plain query."""
