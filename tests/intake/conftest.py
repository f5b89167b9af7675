"""The case tests' cast serves the front-desk tests too."""

from tests.deadlines.conftest import cast

__all__ = ["cast"]
