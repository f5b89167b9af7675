"""Front desk: service catalogue, first contact, one-time notices, receipts (issue 5)."""
