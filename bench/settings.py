"""Settings of the servers the benchmarks start, never of production: the portal's
own, with bench.urls as the URLconf (the portal's URLs and a trivial view to compare
with)."""

from accountability.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
