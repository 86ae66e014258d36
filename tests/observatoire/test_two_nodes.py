"""Two app servers ("nodes") sharing one PostgreSQL and one Redis, as behind a
load balancer: two gunicorn processes on two ports, checked over HTTP.

Runs on the database of TWO_NODES_DATABASE_URL (default: DATABASE_URL's
database with `_nodes_<test process>` appended, a scratch database dropped and
made afresh at each run) and the Redis of TWO_NODES_CACHE_URL; skipped when
either is unreachable.
"""

import html
import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import uuid
from pathlib import Path

import pytest
from django.core import signing
from django.utils.crypto import get_random_string

from initiatives.forms import TOKEN_SALT
from initiatives.views.submission import ATTEMPT_LIMIT, SEND_LIMIT
from tests.httpforms import Browser
from tests.images import image_bytes

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
# Each test process (pytest-xdist worker) that gets some of these tests runs
# its own pair of nodes: its own ports, database and Redis database.
WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
PORTS = [
    int(p) + 2 * WORKER
    for p in os.environ.get("TWO_NODES_PORTS", "8106,8116").split(",")
]
SECRET = "two-nodes-" + "s3cr3t-k3y-" * 5
RUN = uuid.uuid4().hex[:8]


def _address(n: int) -> str:
    """A client address of this run only: Redis keeps the limits of earlier
    runs for an hour."""
    return f"10.{int(RUN[:2], 16)}.{int(RUN[2:4], 16)}.{n}"


def _database_url() -> str:
    if os.environ.get("TWO_NODES_DATABASE_URL"):
        return os.environ["TWO_NODES_DATABASE_URL"]
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/obs")
    if not base.startswith("postgres"):
        base = "postgres://postgres@127.0.0.1:5432/observatoire"
    parts = urllib.parse.urlsplit(base)
    return parts._replace(path=f"{parts.path}_nodes_{WORKER}").geturl()


DATABASE_URL = _database_url()
CACHE_URL = os.environ.get(
    "TWO_NODES_CACHE_URL", f"redis://127.0.0.1:6379/{6 + WORKER}"
)


def _reachable(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=2):
            return True
    except OSError:
        return False


def _ensure_database():
    import psycopg

    parts = urllib.parse.urlsplit(DATABASE_URL)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not os.environ.get("TWO_NODES_DATABASE_URL"):
            # Our own scratch database: made afresh, so that a history left by
            # an older migration chain never stops `migrate`.
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


# Started once per test process: a second start would drop the database
# under the first servers.
@pytest.fixture(scope="session")
def nodes(tmp_path_factory):
    for url, what in ((DATABASE_URL, "PostgreSQL"), (CACHE_URL, "Redis")):
        if not _reachable(url):
            pytest.skip(f"{what} injoignable ({url}) : test à deux nœuds ignoré")
    _ensure_database()
    shared = tmp_path_factory.mktemp("nodes")
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DEBUG"}},
        "SECRET_KEY": SECRET,
        "DATABASE_URL": DATABASE_URL,
        "CACHE_URL": CACHE_URL,
        "VAR_DIR": str(shared),
        # The shared folder every node writes uploads to and reads them from.
        "MEDIA_ROOT": str(shared / "media"),
        "SERVE_MEDIA": "1",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": f"http://127.0.0.1:{PORTS[0]}",
        "TRUSTED_PROXIES": "1",
        "PAGE_CACHE_SECONDS": "600",
    }

    def manage(*args):
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    manage("migrate", "--noinput", "--verbosity", "0")
    manage("collectstatic", "--noinput", "--verbosity", "0")
    setup = manage(
        "shell",
        "-c",
        f"""
import json
from django.contrib.auth.models import Group, User
from observatoire import roles
from observatoire.models import Territory
# A commune of this run only: its page lists this run's records alone.
Territory.objects.create(
    kind="commune", code="{RUN}", name="Nodeville {RUN}", slug="nodeville-{RUN}",
    latitude=48.4, longitude=-4.5,
)
user = User.objects.create_user("moderation-{RUN}", password="Mod-{RUN}-pass")
user.groups.add(Group.objects.get(name=roles.MODERATION))
print(json.dumps({{"commune": "nodeville-{RUN}"}}))
""",
    )
    facts = json.loads(setup.strip().splitlines()[-1])
    servers = [
        subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "observatoire.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in PORTS
    ]
    urls = [f"http://127.0.0.1:{port}" for port in PORTS]
    try:
        deadline = time.time() + 60
        for url in urls:
            while not (_up(url) and Browser().get(url + "/healthz").status == 200):
                assert time.time() < deadline, f"{url} ne démarre pas"
                time.sleep(0.5)
        yield {"a": urls[0], "b": urls[1], "manage": manage, **facts}
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)


def _up(url: str) -> bool:
    return _reachable(url)


def _token(age: int) -> str:
    """A form shown `age` seconds ago: the time and a one-use random part,
    signed with the nodes' key (initiatives.forms.make_started_token)."""
    return signing.dumps(
        [int(time.time()) - age, get_random_string(16)], key=SECRET, salt=TOKEN_SALT
    )


def _submission(browser, node, name, *, image=False):
    form = browser.form(node + "/initiatives/proposer/", having="started")
    category = form.options["category"][0]
    data = form.with_values(
        name=name,
        summary="Une initiative venue de deux nœuds.",
        category=category,
        commune=f"Nodeville {RUN}",
        latitude="48.39",
        longitude="-4.49",
        submitter_email="anne@example.org",
        consent="on",
        # As if the person had spent a minute on the form.
        started=_token(60 + len(name)),
    )
    files = {"image": ("photo.jpg", image_bytes(), "image/jpeg")} if image else None
    response = browser.request(node + "/initiatives/proposer/", data=data, files=files)
    if response.status == 400:  # says why in the failure report
        print(response.text.split('class="error-summary"')[-1][:1500])
    return response


def _login(browser, node, username, password):
    form = browser.form(node + "/compte/connexion/", having="username")
    return browser.post(
        node + "/compte/connexion/",
        form.with_values(username=username, password=password),
    )


def _pk(nodes, name) -> int:
    out = nodes["manage"](
        "shell",
        "-c",
        "from initiatives.models import Initiative;"
        f"print(Initiative.objects.get(name={name!r}).pk)",
    )
    return int(out.strip().splitlines()[-1])


def test_session_opened_on_one_node_is_valid_on_the_other(nodes):
    moderator = Browser(forwarded_for=_address(11))
    response = _login(moderator, nodes["a"], f"moderation-{RUN}", f"Mod-{RUN}-pass")
    assert response.status == 302
    queue = moderator.get(nodes["b"] + "/moderation/")
    assert queue.status == 200
    assert "Modération" in queue.text


def test_public_form_limits_count_across_nodes(nodes):
    citizen = Browser(forwarded_for=_address(21))
    statuses = [
        _submission(citizen, (nodes["a"], nodes["b"])[i % 2], f"Envoi {RUN} {i}").status
        for i in range(SEND_LIMIT + 1)
    ]
    # Sends alternate between the nodes: the limit counts them all.
    assert statuses == [302] * SEND_LIMIT + [429]


def test_attempt_limit_counts_across_nodes(nodes):
    robot = Browser(forwarded_for=_address(31))
    form = robot.form(nodes["a"] + "/initiatives/proposer/", having="started")
    statuses = [
        robot.post(
            (nodes["a"], nodes["b"])[i % 2] + "/initiatives/proposer/",
            form.with_values(name=""),
        ).status
        for i in range(ATTEMPT_LIMIT + 1)
    ]
    assert statuses == [400] * ATTEMPT_LIMIT + [429]


def test_login_limit_counts_across_nodes(nodes):
    """Failures for one account, alternating between the nodes, lock that
    account on both. Another account than the moderator's, which the next
    test logs in with."""
    visitor = Browser(forwarded_for=_address(41))
    account = f"inconnu-{RUN}"
    locked = "Trop de tentatives de connexion"
    for attempt in range(1, 61):
        node = (nodes["a"], nodes["b"])[attempt % 2]
        response = _login(visitor, node, account, "mauvais")
        if locked in html.unescape(response.text):
            break
    else:
        pytest.fail("60 échecs de connexion sans blocage")
    assert attempt <= 11  # the account's limit, counted over both nodes
    other = nodes["b"] if node == nodes["a"] else nodes["a"]
    response = _login(Browser(forwarded_for=_address(42)), other, account, "mauvais")
    assert locked in html.unescape(response.text)


def test_approval_on_one_node_shows_on_the_other_at_once(nodes):
    name = f"Jardin {RUN}"
    citizen = Browser(forwarded_for=_address(51))
    assert _submission(citizen, nodes["a"], name, image=True).status == 302
    pk = _pk(nodes, name)
    reader = Browser(forwarded_for=_address(52))
    territory = f"/territoires/{nodes['commune']}/"
    listed = "/initiatives/?" + urllib.parse.urlencode({"q": name})
    # Node B builds and caches its pages before the decision.
    # As a link's text (the search box repeats the query).
    shown = f">{name}<"
    assert shown not in reader.get(nodes["b"] + listed).text
    # The commune's portrait counts its published initiatives: none yet.
    assert _published_here(reader.get(nodes["b"] + territory).text) == "0"
    assert pk not in _map_ids(reader.get(nodes["b"] + "/carte/donnees.json").text)

    moderator = Browser(forwarded_for=_address(53))
    assert _login(moderator, nodes["a"], f"moderation-{RUN}", f"Mod-{RUN}-pass").status
    url = nodes["a"] + f"/moderation/initiatives/{pk}/"
    form = moderator.form(url, having="name")
    assert moderator.post(url, form.fields).status == 302

    listing = reader.get(nodes["b"] + listed)
    assert shown in listing.text
    assert pk in _map_ids(reader.get(nodes["b"] + "/carte/donnees.json").text)
    assert _published_here(reader.get(nodes["b"] + territory).text) == "1"

    # The image was stored by node A; node B serves it.
    detail = reader.get(nodes["b"] + f"/initiatives/{_slug(listing.text, name)}/")
    image_path = next(src for src in _images(detail.text) if src.startswith("/media/"))
    image = reader.get(nodes["b"] + image_path)
    assert image.status == 200
    assert image.headers["Content-Type"].startswith("image/")


def _published_here(page: str) -> str:
    """The portrait's first figure: published initiatives in the territory."""
    row = page.split("Initiatives publiées</th>", 1)[1]
    return row.split("<td>", 1)[1].split("</td>", 1)[0]


def _slug(html: str, name: str) -> str:
    before = html[: html.index(f">{name}<")]
    return before.rsplit('href="/initiatives/', 1)[1].split("/", 1)[0]


def _images(html: str) -> list[str]:
    return [part.split('"', 1)[0] for part in html.split('src="')[1:]]


def _map_ids(body: str) -> list[int]:
    """The map data's delta-encoded ids, decoded (see initiatives map_data)."""
    ids, current = [], 0
    for delta in json.loads(body)["ids"]:
        current += delta
        ids.append(current)
    return ids
