"""The case tests' cast (two departments, their heads and staff, a leader, an inspector,
the default policies and the official calendar), reused for the dashboard."""

from __future__ import annotations

from tests.deadlines.conftest import Cast, cast, open_case

__all__ = ["Cast", "cast", "open_case"]
