"""Every write of the deadlines app, one module per entity."""
