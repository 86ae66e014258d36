"""Make the database really unavailable for a while: the default connection is
replaced by one whose settings point nowhere (a closed port on PostgreSQL, a
file in a missing folder on SQLite), so every query fails in the driver, as
it does when the server is stopped. Views and caches are left untouched."""

import socket
from contextlib import contextmanager

from django.db import connections


def closed_port() -> int:
    # Bound then released: nothing listens there for the next few moments.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def database_unavailable():
    working = connections["default"]
    settings_dict = dict(working.settings_dict)
    if working.vendor == "sqlite":
        settings_dict["NAME"] = "/nonexistent-folder/observatoire/down.sqlite3"
        settings_dict["TEST"] = {**settings_dict.get("TEST", {}), "NAME": None}
    else:
        settings_dict.update(HOST="127.0.0.1", PORT=str(closed_port()))
        settings_dict["OPTIONS"] = {
            **settings_dict.get("OPTIONS", {}),
            "connect_timeout": 2,
        }
    broken = working.__class__(settings_dict, alias="default")
    connections["default"] = broken
    try:
        yield
    finally:
        broken.close()
        connections["default"] = working
