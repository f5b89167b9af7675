"""Staff pages of the deadlines app, one module per topic: cases (lists, the case page and
its actions), notifications (the bell's list and reminders) and messages (receipts of the
messages sent to a citizen)."""
