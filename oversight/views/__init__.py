"""The oversight app's staff pages, one module per topic: the dashboard and its lists
(dashboard), the periodic reports (reports), the exports (exports)."""
