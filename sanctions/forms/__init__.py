"""Forms of the inspection office's pages, one module per topic."""
