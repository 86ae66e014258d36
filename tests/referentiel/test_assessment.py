"""The self-assessment: submission, scoring, chart, private link, exports,
attachment to an initiative and anonymous aggregates."""

import csv
import html as html_lib
import io
import re

import pytest
from django.urls import reverse

from initiatives.models import Category, Initiative
from referentiel.charts import radar
from referentiel.forms import FIELD_PREFIX
from referentiel.models import Assessment, Entry, Rating
from referentiel.services import (
    assessment_profile,
    assessment_save,
    strongest_and_weakest,
)

START = "referentiel:assessment_start"


def text(response) -> str:
    """The page as a reader sees it: entities decoded, one kind of apostrophe."""
    return html_lib.unescape(response.content.decode()).replace("'", "’")


DOMAIN_LEVELS = {
    "attitudes": 4,
    "competences-sociales": 3,
    "ecosysteme-de-cooperation": 2,
    "regles-et-gouvernance": 1,
}


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body), delimiter=";"))


def by_domain(entry):
    return DOMAIN_LEVELS[entry.section.slug]


def test_form_lists_every_competency_of_the_four_domains(client, competencies):
    response = client.get(reverse(START))
    html = response.content.decode()
    assert response.status_code == 200
    assert len(competencies) == 26
    for entry in competencies:
        assert f'name="{FIELD_PREFIX}{entry.pk}"' in html
    for label in ("Pas encore", "En découverte", "Pratiqué", "Maîtrisé et transmis"):
        assert label in html
    assert html.count("<h1") == 1


def test_anyone_without_account_gets_a_private_result(client, answers):
    response = client.post(reverse(START), answers(by_domain, label="Collectif vélo"))
    assert response.status_code == 302
    assessment = Assessment.objects.get()
    assert response["Location"] == assessment.get_absolute_url()
    assert len(assessment.token) >= 32
    assert assessment.ratings.count() == 26
    html = client.get(response["Location"]).content.decode()
    assert "Collectif vélo" in html
    assert '<meta name="robots" content="noindex">' in html


def test_scoring_gives_the_mean_per_domain_and_the_extremes(make_assessment):
    assessment = make_assessment(DOMAIN_LEVELS)
    scores = assessment_profile(assessment=assessment)
    assert [(s.domain.slug, s.mean) for s in scores] == list(DOMAIN_LEVELS.items())
    strongest, weakest = strongest_and_weakest(scores)
    assert [s.domain.slug for s in strongest] == ["attitudes"]
    assert [s.domain.slug for s in weakest] == ["regles-et-gouvernance"]


def test_mean_of_mixed_answers_within_a_domain(referential, competencies):
    levels = {e.pk: 2 for e in competencies}
    attitudes = [e for e in competencies if e.section.slug == "attitudes"]
    for entry, level in zip(attitudes, [1, 2, 3, 4, 4], strict=True):
        levels[entry.pk] = level
    assessment = assessment_save(
        referential=referential, levels=levels, subject="group"
    )
    scores = assessment_profile(assessment=assessment)
    assert scores[0].mean == pytest.approx(2.8)


def test_ties_are_reported_together_and_a_flat_profile_has_no_extremes(
    make_assessment,
):
    flat = make_assessment(default=3)
    assert strongest_and_weakest(assessment_profile(assessment=flat)) == ([], [])
    tied = make_assessment({"attitudes": 4, "competences-sociales": 4}, default=2)
    strongest, weakest = strongest_and_weakest(assessment_profile(assessment=tied))
    assert [s.domain.slug for s in strongest] == ["attitudes", "competences-sociales"]
    assert len(weakest) == 2


def test_radar_geometry_places_each_mean_on_its_axis():
    chart = radar([("A", 4), ("B", 2), ("C", 0), ("D", 1)])
    a, b, c, d = chart["axes"]
    centre = chart["centre"]
    assert (a.point_x, a.point_y) == (centre, centre - 130)  # full, straight up
    assert (b.point_x, b.point_y) == (centre + 65, centre)  # half, to the right
    assert (c.point_x, c.point_y) == (centre, centre)  # zero, at the centre
    assert (d.point_x, d.point_y) == (centre - 32.5, centre)  # quarter, left
    assert len(chart["rings"]) == 4
    assert a.anchor == "middle" and b.anchor == "start" and d.anchor == "end"


def test_result_page_has_an_accessible_chart_table_and_remedies(
    client, make_assessment
):
    assessment = make_assessment(DOMAIN_LEVELS)
    html = client.get(assessment.get_absolute_url()).content.decode()
    assert 'role="img"' in html
    assert 'aria-labelledby="radar-title radar-desc"' in html
    assert '<title id="radar-title">' in html
    assert "Attitudes : 4,0 sur 4" in html
    # Coordinates keep a decimal point even in French (else the SVG is broken).
    assert 'x1="210.0" y1="210.0"' in html
    assert "Règles et gouvernance : 1,0 sur 4" in html
    assert (
        '<th scope="row"><a href="/referentiel/partie/competences/attitudes/">' in html
    )
    # Weakest domain: rules and governance → its levers and culture sections.
    assert "Domaine à travailler en priorité" in html
    remedies = html[html.index("Pistes pour progresser") :]
    assert "Animer le collectif" in remedies
    assert "Organiser de petites expériences irréversibles de coopération" in remedies
    assert "Ménager des temps" not in remedies  # a remedy of another domain


def test_result_page_query_count_is_constant(
    client, make_assessment, django_assert_num_queries
):
    """Guards the N+1 on ratings → entries and on remedies → levers/sections."""
    assessment = make_assessment(DOMAIN_LEVELS)
    # assessment, ratings+entries, domains+parts, weakest domains, their levers,
    # their culture sections, those sections' parts
    with django_assert_num_queries(7):
        client.get(assessment.get_absolute_url())


def test_unknown_token_is_a_404(client, referential):
    url = reverse("referentiel:assessment", args=["pas-une-vraie-cle"])
    assert client.get(url).status_code == 404


def test_tokens_are_unguessable_and_distinct(make_assessment):
    tokens = {make_assessment().token for _ in range(5)}
    assert len(tokens) == 5
    assert all(len(token) >= 32 for token in tokens)


def test_result_can_be_reopened_and_updated(client, make_assessment, answers):
    assessment = make_assessment(default=1)
    edit = reverse("referentiel:assessment_edit", args=[assessment.token])
    form = client.get(edit).content.decode()
    checked = re.findall(r'value="(\d)" id="id_level_\d+_\d" required checked', form)
    assert checked == ["1"] * 26
    response = client.post(edit, answers(4, subject="group", label="Équipe"))
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.label == "Équipe"
    assert assessment.subject == "group"
    assert set(assessment.ratings.values_list("level", flat=True)) == {4}
    assert Assessment.objects.count() == 1
    assert Rating.objects.count() == 26


def test_csv_export_lists_every_answer_and_the_means(client, make_assessment):
    assessment = make_assessment(DOMAIN_LEVELS)
    response = client.get(
        reverse("referentiel:assessment_csv", args=[assessment.token])
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = csv_rows(response)
    assert rows[0] == ["Domaine", "Compétence", "Niveau", "Libellé du niveau"]
    assert len(rows) == 1 + 26 + 4
    assert [
        "Attitudes",
        "Avoir un état d’esprit collaboratif",
        "4",
        "Maîtrisé et transmis",
    ] in rows
    assert ["Règles et gouvernance", "Moyenne du domaine", "1.00", ""] in rows


def test_commune_is_resolved_and_shown(client, answers, geo):
    client.post(reverse(START), answers(2, territory="29200"))
    assert Assessment.objects.get().territory == geo.brest


# Bad input: nothing is saved half-way, the message says what to do.


def test_missing_answers_are_refused_with_a_clear_message(
    client, answers, competencies
):
    data = answers(3)
    del data[f"{FIELD_PREFIX}{competencies[0].pk}"]
    del data[f"{FIELD_PREFIX}{competencies[-1].pk}"]
    response = client.post(reverse(START), data)
    html = text(response)
    assert response.status_code == 200
    assert "2 compétences n’ont pas de réponse valide" in html
    assert "rien n’a été enregistré" in html
    assert f'href="#q-{FIELD_PREFIX}{competencies[0].pk}"' in html
    assert not Assessment.objects.exists()
    assert not Rating.objects.exists()


def test_empty_submission_is_refused(client, referential):
    response = client.post(reverse(START), {})
    assert response.status_code == 200
    assert "26 compétences" in response.content.decode()
    assert not Assessment.objects.exists()


@pytest.mark.parametrize("level", ["0", "5", "-1", "3.5", "trois", "", "<b>4</b>"])
def test_out_of_range_or_wrong_type_levels_are_refused(
    client, answers, competencies, level
):
    data = answers(3)
    data[f"{FIELD_PREFIX}{competencies[3].pk}"] = level
    response = client.post(reverse(START), data)
    assert response.status_code == 200
    assert not Assessment.objects.exists()
    assert not Rating.objects.exists()


def test_answers_to_unknown_competencies_are_refused(client, answers, referential):
    lever = Entry.objects.get(slug="animer-le-collectif")  # not a competency
    for extra in (
        f"{FIELD_PREFIX}{lever.pk}",
        f"{FIELD_PREFIX}999999",
        f"{FIELD_PREFIX}x",
    ):
        response = client.post(reverse(START), answers(3, **{extra: "2"}))
        assert response.status_code == 200
        assert "compétences inconnues" in response.content.decode()
    assert not Assessment.objects.exists()


def test_tampered_update_keeps_the_previous_answers(client, make_assessment, answers):
    assessment = make_assessment(default=2)
    edit = reverse("referentiel:assessment_edit", args=[assessment.token])
    data = answers(4)
    data[next(k for k in data if k.startswith(FIELD_PREFIX))] = "9"
    assert client.post(edit, data).status_code == 200
    assert set(assessment.ratings.values_list("level", flat=True)) == {2}


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"subject": "everyone"}, "l’une des deux possibilités"),
        ({"label": "x" * 121}, "au plus 120 caractères"),
        ({"territory": "Zzzyxville"}, "Aucun territoire ne correspond"),
    ],
)
def test_other_fields_are_validated(client, answers, extra, message, geo):
    response = client.post(reverse(START), answers(2, **extra))
    assert message in text(response)
    assert not Assessment.objects.exists()


def test_html_and_unicode_in_the_label_are_escaped_and_kept(client, answers):
    label = "<script>alert(1)</script> Équipe ✅ 協力"
    response = client.post(reverse(START), answers(2, label=label), follow=True)
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Équipe ✅ 協力" in html


def test_service_refuses_partial_answers(referential, competencies):
    with pytest.raises(ValueError):
        assessment_save(
            referential=referential,
            levels={competencies[0].pk: 2},
            subject="person",
        )
    assert not Assessment.objects.exists()


def test_new_assessments_are_rate_limited_per_connection(client, answers, monkeypatch):
    from referentiel import views

    monkeypatch.setattr(views, "ASSESSMENT_RATE_LIMIT", 2)
    for _ in range(2):
        assert client.post(reverse(START), answers(2)).status_code == 302
    response = client.post(reverse(START), answers(2))
    assert response.status_code == 200
    assert "Trop d’autodiagnostics" in text(response)
    assert Assessment.objects.count() == 2
    # The answers typed are still there to submit later.
    checked = re.findall(
        r'value="2" id="id_level_\d+_\d" required checked', text(response)
    )
    assert len(checked) == 26


def test_start_form_refuses_other_methods(client, referential):
    assert client.put(reverse(START)).status_code == 405


# Attaching to an initiative: moderators and agents only.


@pytest.fixture
def initiative(geo):
    category = Category.objects.first() or Category.objects.create(
        name="Repair café", slug="repair-cafe"
    )
    return Initiative.objects.create(
        name="Repair café de Brest",
        slug="repair-cafe-brest",
        summary="Réparer ensemble.",
        category=category,
        commune=geo.brest,
        status=Initiative.Status.PUBLISHED,
    )


def attach_url(assessment):
    return reverse("referentiel:assessment_attach", args=[assessment.token])


@pytest.mark.parametrize("role", ["moderator", "agent", "superuser"])
def test_moderator_or_agent_attaches_an_assessment_to_an_initiative(
    client_for, make_assessment, initiative, role
):
    assessment = make_assessment()
    client = client_for(role)
    page = client.get(assessment.get_absolute_url()).content.decode()
    assert "Rattacher à une initiative" in page
    response = client.post(attach_url(assessment), {"initiative": initiative.slug})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.initiative == initiative
    page = client.get(assessment.get_absolute_url()).content.decode()
    assert "Repair café de Brest" in page


def test_attaching_to_an_unknown_initiative_says_so(client_for, make_assessment, db):
    assessment = make_assessment()
    response = client_for("agent").post(
        attach_url(assessment), {"initiative": "inconnue"}, follow=True
    )
    assert "Aucune initiative n’a cet identifiant." in text(response)
    assessment.refresh_from_db()
    assert assessment.initiative is None


@pytest.mark.parametrize("role", ["citizen", "facilitator"])
def test_other_roles_cannot_attach(client_for, make_assessment, initiative, role):
    assessment = make_assessment()
    client = client_for(role)
    assert (
        "Rattacher à une initiative"
        not in client.get(assessment.get_absolute_url()).content.decode()
    )
    assert (
        client.post(attach_url(assessment), {"initiative": initiative.slug}).status_code
        == 403
    )
    assessment.refresh_from_db()
    assert assessment.initiative is None


def test_anonymous_attach_goes_to_login(client, make_assessment, initiative):
    assessment = make_assessment()
    response = client.post(attach_url(assessment), {"initiative": initiative.slug})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_attach_rejects_get(client_for, make_assessment):
    assert client_for("agent").get(attach_url(make_assessment())).status_code == 405


# Aggregates: agents see counts and means per territory, never answers.


def aggregates_url():
    return reverse("referentiel:assessment_aggregates")


@pytest.mark.parametrize("role, status", [("citizen", 403), ("facilitator", 403)])
def test_aggregates_are_for_agents_only(client_for, referential, role, status):
    assert client_for(role).get(aggregates_url()).status_code == status


def test_aggregates_send_anonymous_visitors_to_login(client, referential):
    response = client.get(aggregates_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ["agent", "moderator"])
def test_aggregates_show_counts_and_means_per_territory(
    client_for, make_assessment, geo, role
):
    for level in (1, 2, 3):
        make_assessment(default=level, territory=geo.brest)
    make_assessment(default=4, territory=geo.lyon)
    make_assessment(default=4)
    html = client_for(role).get(aggregates_url()).content.decode()
    brest = html[html.index("Brest (29)") :]
    assert "<td>3</td>" in brest[:200]
    assert "<td>2,0</td>" in brest[:400]
    lyon = html[html.index("Lyon (69)") :]
    assert "<td>1</td>" in lyon[:200]
    assert "non affiché" in lyon[:600]  # one answer: its mean would reveal it
    assert "Sans territoire" in html
    # Lyon's and the unplaced answers are withheld from the total too.
    total = html[html.index("Ensemble des territoires affichés") :]
    assert "<td>3</td>" in total[:200]
    assert "<td>2,0</td>" in total[:400]
    for assessment in Assessment.objects.all():
        assert assessment.token not in html


def test_aggregates_export_as_csv_for_agents_only(client_for, make_assessment, geo):
    for level in (1, 2, 3):
        make_assessment(default=level, territory=geo.brest)
    make_assessment(default=4, territory=geo.lyon)
    url = reverse("referentiel:assessment_aggregates_csv")
    assert client_for("citizen").get(url).status_code == 403
    response = client_for("agent").get(url, {"territoire": "Finistère"})
    rows = csv_rows(response)
    assert rows[0][:3] == ["Territoire", "Code", "Autodiagnostics"]
    assert rows[1] == ["Brest", "29019", "3", "2.00", "2.00", "2.00", "2.00"]
    assert rows[-1][:3] == ["Ensemble des territoires affichés", "", "3"]
    assert not any("Lyon" in row for row in rows)


def test_withheld_means_cannot_be_recovered_by_subtraction(
    client_for, make_assessment, geo
):
    """The audit's attack: 1 in Brest, 3 in Quimper; the Finistère total times
    4 minus Quimper times 3 used to give Brest's answers to two decimals."""
    make_assessment(default=4, territory=geo.brest)
    for _ in range(3):
        make_assessment(default=1, territory=geo.quimper)
    url = reverse("referentiel:assessment_aggregates_csv")
    rows = csv_rows(client_for("agent").get(url, {"territoire": "Finistère"}))
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["Brest"][2:] == ["1", "", "", "", ""]
    assert by_name["Quimper"][2:] == ["3", "1.00", "1.00", "1.00", "1.00"]
    total = by_name["Ensemble des territoires affichés"]
    assert total[2:] == ["3", "1.00", "1.00", "1.00", "1.00"]
    for column in range(3, 7):
        recovered = 4 * float(total[column]) - 3 * float(by_name["Quimper"][column])
        assert recovered != 4.0


def test_aggregates_can_be_narrowed_to_a_territory(client_for, make_assessment, geo):
    make_assessment(territory=geo.brest)
    make_assessment(territory=geo.lyon)
    html = client_for("agent").get(aggregates_url(), {"territoire": "Finistère"})
    html = html.content.decode()
    assert "Brest (29)" in html
    assert "Lyon (69)" not in html


def test_aggregates_query_count_does_not_grow_with_territories(
    client_for, make_assessment, geo, django_assert_num_queries
):
    """Guards the N+1 on territories (and their départements) of each row."""
    for territory in (geo.brest, geo.brest, geo.brest, geo.quimper, geo.lyon, None):
        make_assessment(territory=territory)
    client = client_for("agent")
    client.get(aggregates_url())  # warm the session and user caches
    with django_assert_num_queries(9):
        client.get(aggregates_url())


def test_admin_does_not_show_individual_answers(make_user, make_assessment, client):
    assessment = make_assessment(default=4)
    client.force_login(make_user("superuser"))
    url = reverse("admin:referentiel_assessment_change", args=[assessment.pk])
    html = client.get(url).content.decode()
    assert "Maîtrisé et transmis" not in html
    assert assessment.token not in html


def test_reopened_form_shows_the_commune_unambiguously(client, make_assessment, geo):
    assessment = make_assessment(territory=geo.brest)
    edit = reverse("referentiel:assessment_edit", args=[assessment.token])
    assert 'value="Brest (29)"' in client.get(edit).content.decode()


def test_csv_export_neutralises_formulas_in_every_title(client, make_assessment):
    entry = Entry.objects.competencies().select_related("section").first()
    entry.title = '=HYPERLINK("http://example.org")'
    entry.save()
    # The domain's title is written twice: with the answers and with its mean.
    entry.section.short_title = "@SUM(A1)"
    entry.section.save()
    assessment = make_assessment()
    response = client.get(
        reverse("referentiel:assessment_csv", args=[assessment.token])
    )
    cells = [cell for row in csv_rows(response) for cell in row]
    assert '\'=HYPERLINK("http://example.org")' in cells
    assert cells.count("'@SUM(A1)") > 1
    assert not any(cell.startswith(("=", "@")) for cell in cells)
