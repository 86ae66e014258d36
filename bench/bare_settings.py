"""Settings of the bare view (bench/bare.py): the site's own, URLconf aside."""

from observatoire.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bare"
