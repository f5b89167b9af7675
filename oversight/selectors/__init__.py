"""Oversight's reads, by topic: the dashboard's figures and the lists behind them
(dashboard), what a user may export and the rows an export holds (exports), the reports'
periods, schedule and a kept report as a viewer sees it (reports)."""
