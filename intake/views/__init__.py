"""Staff and public pages of the intake app, one module per topic."""
