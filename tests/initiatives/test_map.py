import gzip
import json
from itertools import accumulate

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from initiatives.models import Category, Initiative
from initiatives.views import browsing
from observatoire import versions

MAP = reverse("initiatives:map")
DATA = reverse("initiatives:map_data")
EMBED = reverse("initiatives:embed")


def decode(data: dict) -> list[list]:
    """The markers as [id, latitude, longitude, legend index], read as the
    public contract of the map data view says (format 2)."""
    assert data["format"] == 2
    ids, lats, lons = (list(accumulate(data[key])) for key in ("ids", "lat", "lon"))
    assert len(ids) == len(lats) == len(lons) == len(data["kinds"]) == data["count"]
    scale = data["scale"]
    return [
        [pk, lat / scale, lon / scale, kind]
        for pk, lat, lon, kind in zip(ids, lats, lons, data["kinds"], strict=True)
    ]


def markers(response) -> list[list]:
    return decode(response.json())


@pytest.mark.parametrize("role", ["anonymous", "citizen", "moderator", "agent"])
def test_map_page_shows_the_list_for_everyone(client_for, make_initiative, role):
    make_initiative(name="Repair café du port")
    response = client_for(role).get(MAP, {"q": "repair"})
    assert response.status_code == 200
    body = response.content.decode()
    # Without JavaScript the map block stays hidden and the list is the page.
    assert 'id="map-block" hidden' in body
    assert "Repair café du port" in body
    assert 'href="/initiatives/?q=repair"' in body
    config = response.context["map_config"]
    assert config["dataUrl"] == f"{DATA}?q=repair"
    assert "vendor/leaflet/leaflet.js" in body
    assert 'id="map-config" type="application/json"' in body


def test_map_data_is_compact_and_filtered(client, geo, make_initiative):
    garden = Category.objects.get(slug="jardin-partage")
    shown = make_initiative(
        name="Jardin", category=garden, latitude=48.123456789, longitude=-4.5
    )
    make_initiative(name="Sans coordonnées", latitude=None, longitude=None)
    make_initiative(name="À Lyon", commune=geo.lyon, latitude=45.7, longitude=4.8)
    make_initiative(name="En attente", status=Initiative.Status.PENDING)
    data = client.get(DATA, {"territoire": geo.finistere.slug}).json()
    legend_index = [entry["name"] for entry in data["legend"]].index(garden.name)
    assert decode(data) == [[shown.pk, 48.12346, -4.5, legend_index]]
    assert data["legend"][legend_index]["colour"] == garden.colour


def test_map_data_rounds_coordinates_to_the_nearest_metre(client, make_initiative):
    """Rounded, not truncated, on both sides of zero (SQLite's CAST truncates,
    PostgreSQL's ROUND of a float is the one the view asks for)."""
    west = make_initiative(name="Ouest", latitude=47.999996, longitude=-4.499996)
    data = client.get(DATA).json()
    assert decode(data) == [[west.pk, 48.0, -4.5, data["kinds"][0]]]


def test_map_data_decodes_many_markers_in_id_order(client, geo, make_initiative):
    made = [
        make_initiative(latitude=48.39 - n * 0.01, longitude=-4.49 + n * 0.0137)
        for n in range(5)
    ]
    make_initiative(commune=geo.lyon, latitude=45.76, longitude=4.83)
    rows = markers(client.get(DATA, {"territoire": geo.finistere.slug}))
    assert [row[0] for row in rows] == [initiative.pk for initiative in made]
    assert [(row[1], row[2]) for row in rows] == [
        (round(i.latitude, 5), round(i.longitude, 5)) for i in made
    ]


def test_map_data_is_compressed_for_browsers_that_accept_it(client, make_initiative):
    for number in range(50):
        make_initiative(latitude=48 + number / 100, longitude=-4 - number / 100)
    plain = client.get(DATA)
    sent = client.get(DATA, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert "Content-Encoding" not in plain
    assert sent["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in sent["Vary"]
    assert gzip.decompress(sent.content) == plain.content
    assert len(sent.content) < len(plain.content) / 2


def test_map_data_never_contains_private_fields(client, make_initiative):
    make_initiative(submitter_name="Nom Privé", submitter_email="prive@example.org")
    body = client.get(DATA).content.decode()
    assert "prive@example.org" not in body and "Nom Privé" not in body


def test_popup_shows_public_fields_of_published_only(client, make_initiative):
    published = make_initiative(name="<b>Fab lab</b>", submitter_email="p@example.org")
    pending = make_initiative(status=Initiative.Status.PENDING)
    response = client.get(reverse("initiatives:map_popup", args=[published.pk]))
    assert response.json()["url"] == published.get_absolute_url()
    assert response.json()["name"] == "<b>Fab lab</b>"  # inserted as text by JS
    assert "p@example.org" not in response.content.decode()
    missing = client.get(reverse("initiatives:map_popup", args=[pending.pk]))
    assert missing.status_code == 404


def test_map_data_reports_invalid_filters(client, make_initiative):
    make_initiative()
    data = client.get(DATA, {"modele": "nimporte"}).json()
    assert "modele" in data["errors"]
    # No marker under a filter error: the whole map would pass for filtered.
    assert len(decode(data)) == 0


@pytest.mark.parametrize("url", [DATA, MAP, EMBED])
def test_map_views_reject_post(client, url):
    assert client.post(url).status_code == 405


def test_only_the_embed_may_be_framed(client, make_initiative):
    make_initiative(name="Atelier vélo")
    embed = client.get(EMBED, {"q": "velo"})
    assert embed.status_code == 200
    assert "X-Frame-Options" not in embed.headers
    assert "frame-ancestors *" in embed["Content-Security-Policy"]
    assert "Atelier vélo" in embed.content.decode()
    assert embed.context["map_config"]["dataUrl"] == f"{DATA}?q=velo"
    for url in (MAP, reverse("initiatives:list")):
        page = client.get(url)
        assert page["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in page["Content-Security-Policy"]


def test_embed_links_open_the_full_site(client, make_initiative):
    initiative = make_initiative()
    body = client.get(EMBED).content.decode()
    assert f'href="http://testserver{initiative.get_absolute_url()}" target="_top"' in (
        body
    )


@pytest.mark.parametrize("size", [10, 500])
def test_map_data_query_count_does_not_grow(
    client, django_assert_num_queries, make_initiative, size
):
    """Guards against loading each marker's category or commune row by row: the
    legend and the markers are one query each, plus the cache's own queries
    (reading the data versions, creating the one no write has set yet, storing
    the markers)."""
    categories = list(Category.objects.all())
    for number in range(size):
        make_initiative(category=categories[number % len(categories)])
    with django_assert_num_queries(14):
        data = json.loads(client.get(DATA).content)
    assert len(decode(data)) == size


PUBLIC_VIEWS = [
    ("initiatives:list", []),
    ("initiatives:map", []),
    ("initiatives:embed", []),
    ("initiatives:map_data", []),
    ("initiatives:export", ["geojson"]),
    ("initiatives:open_data", []),
]
ROLES = ["anonymous", "citizen", "moderator", "facilitator", "agent", "superuser"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name, args", PUBLIC_VIEWS)
def test_browsing_views_are_open_to_every_role(
    client_for, make_initiative, role, name, args
):
    make_initiative(name="Visible de tous", submitter_email="cache@example.org")
    response = client_for(role).get(reverse(name, args=args))
    assert response.status_code == 200
    body = (
        b"".join(response.streaming_content) if response.streaming else response.content
    ).decode()
    assert "cache@example.org" not in body


@pytest.mark.parametrize("name, args", PUBLIC_VIEWS)
def test_browsing_views_reject_post(client, db, name, args):
    assert client.post(reverse(name, args=args)).status_code == 405


def test_popup_rejects_post(client, make_initiative):
    initiative = make_initiative()
    url = reverse("initiatives:map_popup", args=[initiative.pk])
    assert client.post(url).status_code == 405


def test_map_data_is_cached_until_the_data_changes(
    client, django_assert_num_queries, make_initiative
):
    first = make_initiative()
    assert len(markers(client.get(DATA))) == 1
    with django_assert_num_queries(1):  # data versions and markers, one read
        assert len(markers(client.get(DATA))) == 1
    make_initiative()
    assert len(markers(client.get(DATA))) == 2
    first.status = Initiative.Status.ARCHIVED
    first.save()
    assert len(markers(client.get(DATA))) == 1


def test_list_and_map_caches_never_mix(client, make_initiative):
    make_initiative()
    for _ in range(2):
        client.get(reverse("initiatives:list"), {"modele": "free"})
        client.get(MAP, {"modele": "free"})
        data = client.get(DATA, {"modele": "free"}).json()
        assert data["format"] == 2 and "legend" in data


def test_map_data_revalidates_with_etag(client, make_initiative):
    make_initiative()
    first = client.get(DATA)
    etag = first["ETag"]
    again = client.get(DATA, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    make_initiative()
    changed = client.get(DATA, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert len(markers(changed)) == 2
    other_filter = client.get(DATA, {"modele": "free"}, HTTP_IF_NONE_MATCH=etag)
    assert other_filter.status_code == 200


# The map data kept in each process (versions.Memo) ------------------------------

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip"}


def gzip_markers(response) -> list[list]:
    return decode(json.loads(gzip.decompress(response.content)))


def _reads_markers_body(queries) -> bool:
    return any("initiatives:markers:" in query["sql"] for query in queries)


def test_map_data_held_in_process_reads_only_the_versions(client, make_initiative):
    """A process that holds the markers asks the shared cache for the data
    versions alone, not for the 800 KB body; another process, which does not
    hold them, reads the body from the shared cache and builds nothing."""
    make_initiative()
    first = client.get(DATA, **GZIP)
    with CaptureQueriesContext(connection) as held:
        again = client.get(DATA, **GZIP)
    assert len(held) == 1
    assert not _reads_markers_body(held.captured_queries)
    assert again.content == first.content and again["ETag"] == first["ETag"]

    browsing.MAP_MEMO.clear()  # as in a process that has not served it yet
    with CaptureQueriesContext(connection) as shared:
        other = client.get(DATA, **GZIP)
    assert len(shared) == 2
    assert _reads_markers_body(shared.captured_queries)
    assert other.content == first.content


def test_publication_by_a_moderator_reaches_map_data_held_in_process(
    client, client_for, make_initiative
):
    """The memo is checked against the shared data versions on each request:
    a publication (on this app server or another) is on the next map."""
    shown = make_initiative(name="Déjà publiée")
    pending = make_initiative(name="En attente", status=Initiative.Status.PENDING)
    assert [row[0] for row in gzip_markers(client.get(DATA, **GZIP))] == [shown.pk]
    assert len(browsing.MAP_MEMO) > 0

    from tests.initiatives.test_moderation import edit_data

    moderator = client_for("moderator")
    url = reverse("initiatives:moderate_initiative", args=[pending.pk])
    assert moderator.post(url, edit_data(pending)).status_code == 302
    moderator.logout()
    rows = gzip_markers(client.get(DATA, **GZIP))
    assert [row[0] for row in rows] == [shown.pk, pending.pk]


def test_bulk_publication_reaches_map_data_held_in_process(client, make_initiative):
    shown = make_initiative()
    pending = make_initiative(status=Initiative.Status.PENDING)
    before = client.get(DATA, **GZIP)
    assert [row[0] for row in gzip_markers(before)] == [shown.pk]
    Initiative.objects.filter(pk=pending.pk).update(
        status=Initiative.Status.PUBLISHED, published_at=timezone.now()
    )
    after = client.get(DATA, **GZIP, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert [row[0] for row in gzip_markers(after)] == [shown.pk, pending.pk]


def test_map_data_held_in_process_stays_within_its_budget(
    client, make_initiative, monkeypatch
):
    make_initiative()
    size = len(client.get(DATA, **GZIP).content)
    memo = versions.Memo(max_bytes=2 * size + size // 2, size=lambda e: len(e["body"]))
    monkeypatch.setattr(browsing, "MAP_MEMO", memo)
    queries = [{"tri": order} for order in ("nom", "-nom", "date", "-date")]
    for query in queries:
        client.get(DATA, query, **GZIP)
    assert len(memo) == 2
    assert memo.total_bytes <= memo.max_bytes
    # The least recently used went first: the last two are still held.
    with CaptureQueriesContext(connection) as latest:
        client.get(DATA, queries[-1], **GZIP)
    assert not _reads_markers_body(latest.captured_queries)
    with CaptureQueriesContext(connection) as oldest:
        client.get(DATA, queries[0], **GZIP)
    assert _reads_markers_body(oldest.captured_queries)


def test_memo_keeps_the_recently_used_within_its_byte_budget():
    memo = versions.Memo(max_bytes=10, size=len)
    now = {"initiatives": "a"}
    memo.put("one", now, b"1234")
    memo.put("two", now, b"1234")
    assert memo.get("one", now) == b"1234"  # now the most recently used
    memo.put("three", now, b"1234")
    assert memo.get("two", now) is None
    assert memo.get("one", now) == b"1234" and memo.get("three", now) == b"1234"
    assert memo.total_bytes == 8
    memo.put("huge", now, b"x" * 11)  # bigger than the budget: not held
    assert memo.get("huge", now) is None and memo.total_bytes == 8
    # Held values serve only the versions they were built from.
    assert memo.get("one", {"initiatives": "b"}) is None
