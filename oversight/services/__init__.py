"""Every write of the oversight app, one module per topic: the daily figures (figures),
the periodic reports (reports), the export files and jobs (exports). Its own rows only:
what it reads of the other apps comes through their selectors."""
