"""Facilitators create and edit workshops from the site; nobody else can."""

import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ateliers.models import Item, Theme, Workshop
from observatoire.models import Territory
from tests.images import image_bytes

NOT_FACILITATORS = ["citizen", "moderator", "agent"]


def texts(items):
    return [item.text for item in items]


@pytest.fixture
def workshop(make_workshop):
    return make_workshop(
        "Atelier édité\n\nPoints de vigilance\n1. Premier thème\n  - a\n  - b\n  - c\n"
        "2. Second thème\nEnjeux\n- e1\n- e2\n",
        published=False,
    )


@pytest.fixture
def facilitator_client(client, facilitator):
    client.force_login(facilitator)
    return client


def url(name, workshop, *args):
    return reverse(f"ateliers:{name}", args=[workshop.slug, *args])


def raw_url(workshop, *parts):
    """A URL under the workshop's own, even one that the URLconf does not know."""
    return workshop.get_absolute_url() + "".join(f"{part}/" for part in parts)


def action_url(workshop, kind, pk, action):
    return reverse("ateliers:object_action", args=[workshop.slug, kind, pk, action])


# Permissions


def test_anonymous_is_sent_to_login(client, workshop):
    for target in (
        reverse("ateliers:create"),
        reverse("ateliers:import"),
        url("edit", workshop),
    ):
        response = client.get(target)
        assert response.status_code == 302
        assert "/compte/connexion/" in response["Location"]
    item = Item.objects.filter(section__workshop=workshop).first()
    for target in (
        url("publish", workshop),
        action_url(workshop, "item", item.pk, "delete"),
        reverse("ateliers:import_preview"),
    ):
        response = client.post(target, {"action": "publish", "text": "x"})
        assert response.status_code == 302
        assert "/compte/connexion/" in response["Location"]
    workshop.refresh_from_db()
    assert workshop.status == Workshop.Status.DRAFT
    assert Item.objects.filter(pk=item.pk).exists()


@pytest.mark.parametrize("role", NOT_FACILITATORS)
def test_other_roles_get_403_everywhere(client_for, workshop, role):
    client = client_for(role)
    section = workshop.sections.first()
    item = Item.objects.filter(section__workshop=workshop).first()
    assert client.get(reverse("ateliers:create")).status_code == 403
    assert client.get(reverse("ateliers:import")).status_code == 403
    assert client.get(url("edit", workshop)).status_code == 403
    posts = [
        (reverse("ateliers:import_preview"), {"text": "x"}),
        (url("publish", workshop), {}),
        (url("section_add", workshop), {"new-kind": "enjeux"}),
        (action_url(workshop, "item", item.pk, "delete"), {}),
        (action_url(workshop, "section", section.pk, "up"), {}),
        (url("edit", workshop), {"title": "piraté"}),
        (url("image", workshop), {"action": "remove"}),
        (reverse("ateliers:create"), {"title": "piraté"}),
        (reverse("ateliers:import"), {"text": "piraté", "action": "save"}),
        (
            reverse("ateliers:object_update", args=[workshop.slug, "item", item.pk]),
            {f"item-{item.pk}-text": "piraté"},
        ),
        (
            reverse(
                "ateliers:child_add",
                args=[workshop.slug, "section", section.pk, "theme"],
            ),
            {f"new-theme-section-{section.pk}-title": "piraté"},
        ),
    ]
    for target, data in posts:
        assert client.post(target, data).status_code == 403, target
    workshop.refresh_from_db()
    assert workshop.status == Workshop.Status.DRAFT
    assert workshop.title == "Atelier édité"
    assert Item.objects.filter(pk=item.pk).exists()
    assert not Item.objects.filter(text="piraté").exists()
    assert not Workshop.objects.filter(title="piraté").exists()


def test_superuser_can_edit(client_for, workshop):
    assert client_for("superuser").get(url("edit", workshop)).status_code == 200


def test_post_only_views_reject_get(facilitator_client, workshop):
    item = Item.objects.filter(section__workshop=workshop).first()
    for target in (
        url("publish", workshop),
        url("image", workshop),
        url("section_add", workshop),
        reverse("ateliers:import_preview"),
        action_url(workshop, "item", item.pk, "up"),
        reverse("ateliers:object_update", args=[workshop.slug, "item", item.pk]),
    ):
        assert facilitator_client.get(target).status_code == 405, target


# Create, edit, publish


def test_create_a_workshop_from_scratch(facilitator_client, geo):
    response = facilitator_client.post(
        reverse("ateliers:create"),
        {
            "title": "Atelier des communs",
            "territory": "Finistère",
            "starts_on": "2026-03-01",
            "ends_on": "2026-03-02",
            "tags": "communs, eau",
            "licence": "CC BY-SA 4.0",
        },
    )
    workshop = Workshop.objects.get(title="Atelier des communs")
    assert response["Location"] == url("edit", workshop)
    assert workshop.status == Workshop.Status.DRAFT
    assert workshop.territory == geo.finistere
    assert sorted(workshop.tags.names()) == ["communs", "eau"]


def test_create_form_bad_input(facilitator_client, geo):
    cases = [
        ({"title": ""}, "title"),
        ({"title": "x" * 301}, "title"),
        ({"title": "ok", "starts_on": "pas une date"}, "starts_on"),
        ({"title": "ok", "territory": "Atlantide"}, "territory"),
        (
            {"title": "ok", "starts_on": "2026-03-02", "ends_on": "2026-03-01"},
            "ends_on",
        ),
        ({"title": "ok", "source_url": "javascript:alert(1)"}, "source_url"),
    ]
    for data, field in cases:
        response = facilitator_client.post(reverse("ateliers:create"), data)
        assert response.status_code == 200, data
        assert field in response.context["form"].errors, data
    assert not Workshop.objects.exists()


def test_html_and_unicode_titles_are_stored_and_escaped(facilitator_client, db):
    title = "<script>alert(1)</script> Ŝŧřåñģę 工作坊 🌱"
    facilitator_client.post(reverse("ateliers:create"), {"title": title})
    workshop = Workshop.objects.get()
    assert workshop.title == title
    html = facilitator_client.get(url("edit", workshop)).content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Ŝŧřåñģę 工作坊 🌱" in html


def test_edit_metadata_and_territory_round_trip(facilitator_client, workshop, geo):
    workshop.territory = geo.brest
    workshop.save()
    page = facilitator_client.get(url("edit", workshop)).content.decode()
    # The site-wide territory field: same label and autocomplete everywhere.
    assert 'value="Brest (29)"' in page
    assert "js/territory-autocomplete.js" in page
    response = facilitator_client.post(
        url("edit", workshop), {"title": "Nouveau titre", "territory": "Brest (29)"}
    )
    assert response.status_code == 302
    workshop.refresh_from_db()
    assert workshop.title == "Nouveau titre"
    assert workshop.territory == geo.brest


def test_an_ambiguous_territory_is_refused_not_guessed(facilitator_client, geo):
    # A much smaller Brest elsewhere: typing "Brest" alone must not pick one.
    Territory.objects.create(
        kind=Territory.Kind.COMMUNE,
        code="99999",
        name="Brest",
        slug="brest-99999",
        parent=geo.rhone,
        population=10,
    )
    response = facilitator_client.post(
        reverse("ateliers:create"), {"title": "Atelier", "territory": "Brest"}
    )
    assert response.status_code == 200
    assert "Plusieurs territoires correspondent" in str(
        response.context["form"].errors["territory"]
    )
    assert not Workshop.objects.exists()


def test_publish_then_unpublish(facilitator_client, client, workshop):
    facilitator_client.post(url("publish", workshop), {"action": "publish"})
    workshop.refresh_from_db()
    assert workshop.is_published and workshop.published_at
    facilitator_client.logout()
    assert client.get(workshop.get_absolute_url()).status_code == 200
    client.force_login(
        __import__("django.contrib.auth")
        .contrib.auth.get_user_model()
        .objects.get(groups__name="Animation")
    )
    client.post(url("publish", workshop), {"action": "unpublish"})
    workshop.refresh_from_db()
    assert not workshop.is_published
    client.logout()
    assert client.get(workshop.get_absolute_url()).status_code == 404


# Structure editing


def test_edit_page_renders_every_object_and_opens_the_one_asked(
    facilitator_client, workshop
):
    html = facilitator_client.get(url("edit", workshop)).content.decode()
    for item in Item.objects.filter(section__workshop=workshop):
        assert f'id="item-{item.pk}"' in html
        assert f'href="?element={item.pk}#item-{item.pk}"' in html
        assert f'name="item-{item.pk}-text"' not in html
    for theme in Theme.objects.filter(section__workshop=workshop):
        assert f'href="?theme={theme.pk}#theme-{theme.pk}"' in html
    assert html.count("<h1") == 1
    # The type of a part is a label; its 18-choice list only when asked.
    section = workshop.sections.first()
    assert f'name="section-{section.pk}-kind"' not in html
    html = facilitator_client.get(
        url("edit", workshop) + f"?type={section.pk}"
    ).content.decode()
    assert f'name="section-{section.pk}-kind"' in html
    item = Item.objects.filter(section__workshop=workshop).first()
    html = facilitator_client.get(
        url("edit", workshop) + f"?element={item.pk}&deplacer=1"
    ).content.decode()
    assert f'name="item-{item.pk}-text"' in html
    assert f'id="move-{item.pk}"' in html
    assert f'name="new-item-item-{item.pk}-text"' in html


def test_a_part_keeps_its_type_when_saved_without_it(facilitator_client, workshop):
    section = workshop.sections.first()
    kind = section.kind
    facilitator_client.post(
        reverse("ateliers:object_update", args=[workshop.slug, "section", section.pk]),
        {f"section-{section.pk}-heading": "Nouvel intitulé"},
    )
    section.refresh_from_db()
    assert (section.kind, section.heading) == (kind, "Nouvel intitulé")
    facilitator_client.post(
        reverse("ateliers:object_update", args=[workshop.slug, "section", section.pk]),
        {f"section-{section.pk}-heading": "X", f"section-{section.pk}-kind": "idees"},
    )
    section.refresh_from_db()
    assert section.kind == "idees"


def test_add_section_theme_and_items(facilitator_client, workshop):
    facilitator_client.post(
        url("section_add", workshop),
        {"new-kind": "idees", "new-heading": "Idées à creuser", "new-text": ""},
    )
    section = workshop.sections.get(kind="idees")
    assert section.position == 2
    facilitator_client.post(
        reverse(
            "ateliers:child_add", args=[workshop.slug, "section", section.pk, "theme"]
        ),
        {f"new-theme-section-{section.pk}-title": "Piste 1"},
    )
    theme = section.themes.get()
    facilitator_client.post(
        reverse("ateliers:child_add", args=[workshop.slug, "theme", theme.pk, "item"]),
        {
            f"new-item-theme-{theme.pk}-text": "une idée",
            f"new-item-theme-{theme.pk}-tags": "eau",
        },
    )
    item = theme.items.get()
    assert item.section == section and list(item.tags.names()) == ["eau"]
    facilitator_client.post(
        reverse("ateliers:child_add", args=[workshop.slug, "item", item.pk, "item"]),
        {f"new-item-item-{item.pk}-text": "un détail"},
    )
    assert texts(item.children.all()) == ["un détail"]
    assert item.children.get().theme == theme


def test_edit_item_text_and_tags(facilitator_client, workshop):
    item = Item.objects.get(text="e1")
    facilitator_client.post(
        reverse("ateliers:object_update", args=[workshop.slug, "item", item.pk]),
        {
            f"item-{item.pk}-text": "e1 corrigé\navec retour",
            f"item-{item.pk}-tags": "eau, air",
        },
    )
    item.refresh_from_db()
    assert item.text == "e1 corrigé avec retour"
    assert sorted(item.tags.names()) == ["air", "eau"]


def test_item_bad_input_keeps_the_item(facilitator_client, workshop):
    item = Item.objects.get(text="e1")
    target = reverse("ateliers:object_update", args=[workshop.slug, "item", item.pk])
    for bad in ("", "   ", "x" * 5001):
        response = facilitator_client.post(
            target, {f"item-{item.pk}-text": bad}, follow=True
        )
        assert response.status_code == 200
        assert any(m.level_tag == "error" for m in response.context["messages"])
    item.refresh_from_db()
    assert item.text == "e1"


def test_reorder_items_up_and_down(facilitator_client, workshop):
    theme = Theme.objects.get(title="Premier thème")
    c = theme.items.get(text="c")
    facilitator_client.post(action_url(workshop, "item", c.pk, "up"))
    assert texts(theme.items.all()) == ["a", "c", "b"]
    a = theme.items.get(text="a")
    facilitator_client.post(action_url(workshop, "item", a.pk, "up"))
    assert texts(theme.items.all()) == ["a", "c", "b"]
    facilitator_client.post(action_url(workshop, "item", a.pk, "down"))
    assert texts(theme.items.all()) == ["c", "a", "b"]


def test_indent_and_outdent(facilitator_client, workshop):
    theme = Theme.objects.get(title="Premier thème")
    b = theme.items.get(text="b")
    facilitator_client.post(action_url(workshop, "item", b.pk, "indent"))
    b.refresh_from_db()
    assert b.parent.text == "a"
    assert texts(theme.items.filter(parent=None)) == ["a", "c"]
    c = theme.items.get(text="c")
    facilitator_client.post(action_url(workshop, "item", c.pk, "indent"))
    assert texts(Item.objects.get(text="a").children.all()) == ["b", "c"]
    facilitator_client.post(action_url(workshop, "item", b.pk, "outdent"))
    assert texts(theme.items.filter(parent=None)) == ["a", "b"]
    assert texts(Item.objects.get(text="a").children.all()) == ["c"]
    # The first item cannot be indented; a top-level item cannot be outdented.
    a = Item.objects.get(text="a")
    response = facilitator_client.post(
        action_url(workshop, "item", a.pk, "indent"), follow=True
    )
    assert "ne peut pas devenir" in response.content.decode()
    response = facilitator_client.post(
        action_url(workshop, "item", a.pk, "outdent"), follow=True
    )
    assert "déjà au premier niveau" in response.content.decode()


def test_reorder_sections_and_themes_and_delete(facilitator_client, workshop):
    enjeux = workshop.sections.get(kind="enjeux")
    facilitator_client.post(action_url(workshop, "section", enjeux.pk, "up"))
    assert [s.kind for s in workshop.sections.all()] == ["enjeux", "vigilance"]
    second = Theme.objects.get(title="Second thème")
    facilitator_client.post(action_url(workshop, "theme", second.pk, "up"))
    assert [g.title for g in second.section.themes.all()] == [
        "Second thème",
        "Premier thème",
    ]
    first = Theme.objects.get(title="Premier thème")
    facilitator_client.post(action_url(workshop, "theme", first.pk, "delete"))
    assert not Item.objects.filter(text="a").exists()
    assert [g.position for g in second.section.themes.all()] == [0]
    facilitator_client.post(action_url(workshop, "section", enjeux.pk, "delete"))
    assert [s.kind for s in workshop.sections.all()] == ["vigilance"]


def test_objects_of_another_workshop_or_unknown_actions_are_404(
    facilitator_client, workshop, make_workshop
):
    other = make_workshop("Autre\n\nEnjeux\n- z\n")
    foreign = Item.objects.get(text="z")
    assert (
        facilitator_client.post(
            action_url(workshop, "item", foreign.pk, "delete")
        ).status_code
        == 404
    )
    assert Item.objects.filter(pk=foreign.pk).exists()
    item = Item.objects.get(text="e1")
    for kind, action in (
        ("item", "voler"),
        ("truc", "up"),
        ("theme", "indent"),
    ):
        pk = item.pk if kind != "theme" else Theme.objects.first().pk
        response = facilitator_client.post(raw_url(workshop, kind, pk, action))
        assert response.status_code == 404
    assert other.sections.count() == 1


def test_section_form_bad_input(facilitator_client, workshop):
    section = workshop.sections.get(kind="enjeux")
    target = reverse(
        "ateliers:object_update", args=[workshop.slug, "section", section.pk]
    )
    facilitator_client.post(
        target,
        {f"section-{section.pk}-kind": "inconnu", f"section-{section.pk}-heading": "x"},
    )
    facilitator_client.post(
        target, {f"section-{section.pk}-kind": "", f"section-{section.pk}-heading": "h"}
    )
    section.refresh_from_db()
    assert (section.kind, section.heading) == ("enjeux", "Enjeux")
    facilitator_client.post(
        target,
        {
            f"section-{section.pk}-kind": "autre",
            f"section-{section.pk}-heading": "<i>Ça</i>\nmarche",
        },
    )
    section.refresh_from_db()
    assert (section.kind, section.heading) == ("autre", "<i>Ça</i> marche")
    html = facilitator_client.get(workshop.get_absolute_url()).content.decode()
    assert "&lt;i&gt;Ça&lt;/i&gt; marche" in html


# Summary image: the site's image safety (observatoire.images)


def schema(name="schema.png"):
    return SimpleUploadedFile(name, image_bytes("PNG", (40, 30)), "image/png")


def test_upload_summary_image(
    facilitator_client, workshop, django_capture_on_commit_callbacks
):
    facilitator_client.post(
        url("image", workshop), {"image": schema(), "alt": "Trois cercles reliés."}
    )
    workshop.refresh_from_db()
    assert workshop.summary_image.name.endswith(".png")
    # Renamed and re-encoded, never stored as sent.
    assert not workshop.summary_image.name.endswith("/schema.png")
    assert workshop.summary_image_alt == "Trois cercles reliés."
    facilitator_client.post(url("publish", workshop), {"action": "publish"})
    html = facilitator_client.get(workshop.get_absolute_url()).content.decode()
    assert 'alt="Trois cercles reliés."' in html
    stored = workshop.summary_image.path
    with django_capture_on_commit_callbacks(execute=True):
        facilitator_client.post(url("image", workshop), {"action": "remove"})
    workshop.refresh_from_db()
    assert not workshop.summary_image and not workshop.summary_image_alt
    assert not os.path.exists(stored)


def test_replacing_the_image_deletes_the_old_file_once_saved(
    facilitator_client, workshop, django_capture_on_commit_callbacks
):
    facilitator_client.post(url("image", workshop), {"image": schema(), "alt": "Un"})
    workshop.refresh_from_db()
    old = workshop.summary_image.path
    with django_capture_on_commit_callbacks() as callbacks:
        facilitator_client.post(
            url("image", workshop), {"image": schema(), "alt": "Deux"}
        )
    # Still there until the new one is committed: a failure would keep it.
    assert os.path.exists(old)
    for callback in callbacks:
        callback()
    workshop.refresh_from_db()
    assert workshop.summary_image_alt == "Deux"
    assert os.path.exists(workshop.summary_image.path)
    assert not os.path.exists(old)


@pytest.mark.parametrize(
    "content, name",
    [
        (b"", "vide.png"),
        (b"<?php echo 1; ?>", "fake.png"),
        (b"GIF89a" + b"\x00" * 50, "anim.gif"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "tronque.png"),
    ],
)
def test_fake_or_empty_images_are_refused(facilitator_client, workshop, content, name):
    upload = SimpleUploadedFile(name, content, content_type="image/png")
    response = facilitator_client.post(
        url("image", workshop), {"image": upload, "alt": "x"}, follow=True
    )
    assert any(m.level_tag == "error" for m in response.context["messages"])
    workshop.refresh_from_db()
    assert not workshop.summary_image


def test_image_needs_a_description(facilitator_client, workshop):
    facilitator_client.post(url("image", workshop), {"image": schema(), "alt": ""})
    workshop.refresh_from_db()
    assert not workshop.summary_image


def test_indent_stops_at_the_maximum_depth(facilitator_client, make_workshop):
    from ateliers import parsing

    deepest = parsing.MAX_DEPTH - 1
    lines = "".join("  " * n + f"- n{n}\n" for n in range(deepest + 1))
    lines += "  " * deepest + "- last\n"
    workshop = make_workshop(f"Liste\n\nEnjeux\n{lines}", published=False)
    last = Item.objects.get(text="last")
    assert last.parent.text == f"n{deepest - 1}"
    response = facilitator_client.post(
        action_url(workshop, "item", last.pk, "indent"), follow=True
    )
    assert "limitée à 8 niveaux" in response.content.decode()
    last.refresh_from_db()
    assert last.parent.text == f"n{deepest - 1}"


def test_facilitator_names_a_new_event_without_the_admin(facilitator_client, db):
    from ateliers.models import Event

    facilitator_client.post(
        reverse("ateliers:create"),
        {"title": "A", "new_event": "  Rencontres   des communs 2026 "},
    )
    facilitator_client.post(
        reverse("ateliers:import"),
        {"text": "B\nEnjeux\n- x\n", "new_event": "rencontres des communs 2026",
         "action": "save"},
    )  # fmt: skip
    event = Event.objects.get()
    assert event.name == "Rencontres des communs 2026"
    assert event.slug == "rencontres-des-communs-2026"
    assert sorted(w.title for w in event.workshops.all()) == ["A", "B"]
    response = facilitator_client.post(
        reverse("ateliers:create"),
        {"title": "C", "event": event.pk, "new_event": "Autre"},
    )
    assert "new_event" in response.context["form"].errors


def test_move_an_item_with_its_sub_items_to_another_theme_or_section(
    facilitator_client, workshop
):
    b = Item.objects.get(text="b")
    facilitator_client.post(action_url(workshop, "item", b.pk, "indent"))
    a = Item.objects.get(text="a")  # now holds b
    second = Theme.objects.get(title="Second thème")
    facilitator_client.post(
        action_url(workshop, "item", a.pk, "move"), {"target": f"theme-{second.pk}"}
    )
    assert texts(second.items.filter(parent=None)) == ["a"]
    b.refresh_from_db()
    assert (b.theme, b.parent.text) == (second, "a")
    assert texts(Theme.objects.get(title="Premier thème").items.all()) == ["c"]
    assert Theme.objects.get(title="Premier thème").items.get().position == 0
    enjeux = workshop.sections.get(kind="enjeux")
    facilitator_client.post(
        action_url(workshop, "item", a.pk, "move"), {"target": f"section-{enjeux.pk}"}
    )
    assert texts(enjeux.items.filter(theme=None, parent=None)) == ["e1", "e2", "a"]
    b.refresh_from_db()
    assert (b.section, b.theme) == (enjeux, None)


def test_move_to_a_foreign_or_bogus_target_is_refused(
    facilitator_client, workshop, make_workshop
):
    other = make_workshop("Autre\n\nEnjeux\n- z\n")
    foreign = other.sections.get()
    item = Item.objects.get(text="e1")
    for target in (f"section-{foreign.pk}", "theme-999999", "x-1", "", "section-abc"):
        response = facilitator_client.post(
            action_url(workshop, "item", item.pk, "move"),
            {"target": target},
            follow=True,
        )
        assert "Choisissez une partie" in response.content.decode()
    item.refresh_from_db()
    assert item.section.workshop == workshop


def test_edit_page_query_count_does_not_grow_with_items(
    facilitator_client, make_workshop, django_assert_max_num_queries
):
    """Guards the N+1 on items' tags and sub-items in the per-object forms."""
    small = make_workshop("Petit\n\nEnjeux\n- a\n", published=False)
    big_lines = "".join(f"- e{n}\n  - s{n}\n" for n in range(30))
    big = make_workshop(f"Grand\n\nEnjeux\n{big_lines}1. T\n  - t\n", published=False)
    for item in Item.objects.filter(section__workshop=big)[:10]:
        item.tags.set(["x"])
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small_queries:
        facilitator_client.get(url("edit", small))
    with django_assert_max_num_queries(len(small_queries) + 2):
        facilitator_client.get(url("edit", big))


def test_editing_urls_of_before_redirect_keeping_the_method(
    facilitator_client, workshop
):
    """Nodes and actions were named in French in URLs (element, monter…)."""
    item = Item.objects.get(text="b")
    theme = item.theme
    old_to_new = {
        raw_url(workshop, "element", item.pk, "monter"): action_url(
            workshop, "item", item.pk, "up"
        ),
        raw_url(workshop, "theme", theme.pk, "supprimer"): action_url(
            workshop, "theme", theme.pk, "delete"
        ),
        raw_url(workshop, "element", item.pk, "modifier"): url(
            "object_update", workshop, "item", item.pk
        ),
        raw_url(workshop, "theme", theme.pk, "ajouter-element"): url(
            "child_add", workshop, "theme", theme.pk, "item"
        ),
    }
    for old, new in old_to_new.items():
        response = facilitator_client.post(old)
        assert (response.status_code, response["Location"]) == (308, new)
    response = facilitator_client.post(
        raw_url(workshop, "element", item.pk, "monter"), follow=True
    )
    assert texts(theme.items.all()) == ["b", "a", "c"]
    for bogus in (("element", item.pk, "voler"), ("truc", item.pk, "monter")):
        assert facilitator_client.post(raw_url(workshop, *bogus)).status_code == 404


def test_schema_is_optional_and_says_so_but_a_file_and_description_are_enforced(
    facilitator_client, workshop
):
    html = facilitator_client.get(url("edit", workshop)).content.decode()
    assert "Image du schéma résumé (facultatif)" in html
    assert "Un atelier peut être publié sans schéma" in html
    section = html.split('id="schema"')[1].split("</section>")[0]
    assert 'class="required"' not in section
    # Publishing without a schema works, as the page says.
    facilitator_client.post(url("publish", workshop), {"action": "publish"})
    workshop.refresh_from_db()
    assert workshop.is_published and not workshop.summary_image
    response = facilitator_client.post(
        url("image", workshop), {"alt": "une description"}, follow=True
    )
    assert "Choisissez le fichier image" in response.content.decode()
    response = facilitator_client.post(
        url("image", workshop), {"image": schema(), "alt": "  "}, follow=True
    )
    assert "Décrivez le schéma" in response.content.decode()
    workshop.refresh_from_db()
    assert not workshop.summary_image


def test_editor_shows_a_heading_beside_its_type_only_when_they_differ(
    facilitator_client, make_workshop
):
    workshop = make_workshop("T\n\nOpportunités\n- a\nRisques\n- b\n", published=False)
    html = facilitator_client.get(url("edit", workshop)).content.decode()
    assert '<span class="edit-section-heading">Opportunités</span>' not in html
    assert '<span class="edit-section-heading">Risques</span>' in html
