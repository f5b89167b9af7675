"""Every write of the intake app, one module per entity."""
