"""Forms of the intake app, one module per topic."""
