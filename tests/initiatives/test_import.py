import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils.text import slugify

from initiatives import exports
from initiatives.models import Category, Family, Initiative
from observatoire.models import Territory

SAMPLES = Path("/work/shared/samples/gogocarto")
REPO_SAMPLES = Path(__file__).parent / "samples"


@pytest.fixture
def charente(geo):
    """The communes of the real GoGoCarto sample (a subset: four are missing)."""
    department = Territory.objects.create(
        kind="departement", code="16", name="Charente", slug="charente-16"
    )
    made = {}
    for code, name, postal, lat, lon in [
        ("16015", "Angoulême", "16000", 45.65, 0.16),
        ("16153", "Gond-Pontouvre", "16160", 45.68, 0.17),
        ("16089", "Châteaubernard", "16100", 45.67, -0.31),
        ("16102", "Cognac", "16100", 45.69, -0.33),
        ("16097", "Cherves-Richemont", "16370", 45.74, -0.36),
    ]:
        made[name] = Territory.objects.create(
            kind="commune",
            code=code,
            name=name,
            slug=slugify(f"{name}-{code}"),
            parent=department,
            postal_codes=postal,
            latitude=lat,
            longitude=lon,
        )
    return made


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_initiatives", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write(tmp_path, name, content) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def sample_paths(tmp_path):
    # Copied so the test never depends on the shared folder's later edits.
    elements = tmp_path / "elements.json"
    taxonomy = tmp_path / "taxonomy.json"
    shutil.copy(SAMPLES / "elements.json", elements)
    shutil.copy(SAMPLES / "taxonomy.json", taxonomy)
    return elements, taxonomy


@pytest.mark.skipif(not SAMPLES.exists(), reason="échantillon GoGoCarto absent")
def test_gogofull_sample_resolves_categories_and_communes(tmp_path, charente):
    elements, taxonomy = sample_paths(tmp_path)
    out, err = run(elements, "--taxonomy", taxonomy, "--status", "published")
    assert "8 initiatives ont été créées, 0 mises à jour, 4 ignorées" in out
    assert "id 10kw ignorée : commune introuvable (79120 Chenay)" in err
    ruche = Initiative.objects.get(source="GoGoCarto", source_id="zw9")
    assert ruche.name == "Cuisines du monde"
    # The first option the taxonomy knows is the kind; the others become tags.
    assert ruche.category.name == "Sortie & Culture"
    assert ruche.commune == charente["Angoulême"]
    assert (ruche.latitude, ruche.longitude) == (45.64803, 0.11614)
    assert ruche.status == Initiative.Status.PUBLISHED
    assert "Préparation de cocktails" in ruche.description
    assert ruche.public_contact == "05 45 25 05 30"
    assert "Agriculture & Alimentation" in ruche.tags.names()
    # Same postal code, misspelt name: the nearest commune centroid wins.
    assert (
        Initiative.objects.get(source_id="10hI").commune == charente["Châteaubernard"]
    )
    assert (
        Initiative.objects.get(source_id="10i0").commune
        == charente["Cherves-Richemont"]
    )


@pytest.mark.skipif(not SAMPLES.exists(), reason="échantillon GoGoCarto absent")
def test_reimport_updates_instead_of_duplicating(tmp_path, charente):
    elements, taxonomy = sample_paths(tmp_path)
    run(elements, "--taxonomy", taxonomy)
    Initiative.objects.filter(source_id="zw9").update(name="Ancien nom")
    out, _ = run(elements, "--taxonomy", taxonomy)
    assert "0 initiatives ont été créées, 8 mises à jour" in out
    assert Initiative.objects.count() == 8
    assert Initiative.objects.get(source_id="zw9").name == "Cuisines du monde"
    assert Initiative.objects.get(source_id="zw9").status == "pending"


@pytest.mark.skipif(not SAMPLES.exists(), reason="échantillon GoGoCarto absent")
def test_dry_run_changes_nothing(tmp_path, charente):
    elements, taxonomy = sample_paths(tmp_path)
    categories = Category.objects.count()
    out, _ = run(elements, "--taxonomy", taxonomy, "--dry-run")
    assert "8 initiatives seraient créées" in out
    assert "créerait : id zw9 : Cuisines du monde" in out
    assert "rien n'a été enregistré" in out
    assert Initiative.objects.count() == 0
    assert Category.objects.count() == categories
    run(elements, "--taxonomy", taxonomy)
    Initiative.objects.filter(source_id="zw9").update(name="Ancien nom")
    out, _ = run(elements, "--taxonomy", taxonomy, "--dry-run")
    assert "mettrait à jour : id zw9 : Cuisines du monde" in out
    assert Initiative.objects.get(source_id="zw9").name == "Ancien nom"


def test_gogofull_without_taxonomy_says_what_to_do(tmp_path, charente):
    elements = write(
        tmp_path,
        "e.json",
        json.dumps(
            {"ontology": "gogofull", "data": [{"id": "a", "optionValues": [1]}]}
        ),
    )
    with pytest.raises(CommandError, match="--taxonomy"):
        run(elements)


def test_newer_gogocarto_export_with_category_names(tmp_path, charente):
    existing = Category.objects.get(slug="repair-cafe")
    data = [
        {
            "id": "n1",
            "name": "Répar'Tout",
            "categories": ["Repair Café", "Réemploi"],
            "geo": {"latitude": "45.65", "longitude": "0.16"},
            "address": {"postalCode": "16000", "addressLocality": "Angouleme"},
        },
        {
            "id": "n2",
            "name": "Sans catégorie",
            "categoriesFull": [{"id": 3, "name": "Habitat léger"}],
            "address": {"postalCode": "16160", "addressLocality": "Gond-Pontouvre"},
        },
    ]
    out, err = run(write(tmp_path, "new.json", json.dumps(data)))
    assert "2 initiatives ont été créées" in out, err
    repair = Initiative.objects.get(source_id="n1")
    assert repair.category == existing
    assert repair.tags.names()[0] == "Réemploi"
    assert repair.commune == charente["Angoulême"]
    assert "nouveau type de pratique : Habitat léger" in out
    assert Initiative.objects.get(source_id="n2").latitude is None


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "Le fichier est vide"),
        (b"   \n", "Le fichier est vide"),
        (b'{"data": [', "JSON invalide ligne 1"),
        (b'{"data": 12}', "liste d'éléments"),
        ("é".encode("latin-1"), "pas en UTF-8"),
    ],
)
def test_unusable_gogocarto_files_stop_with_a_clear_error(
    tmp_path, geo, content, message
):
    with pytest.raises(CommandError, match=message):
        run(write(tmp_path, "bad.json", content), "--format", "gogocarto")
    assert Initiative.objects.count() == 0


def test_bad_records_are_reported_and_skipped_the_rest_saved(
    client, tmp_path, charente
):
    good = {
        "id": "ok",
        "name": "<script>alert('x')</script> Ça marche ✨ 日本",
        "categories": ["Fab lab"],
        "address": {"postalCode": "16000", "addressLocality": "Angoulême"},
    }
    data = [
        good,
        "pas un objet",
        {**good, "id": "t", "name": {"fr": "objet"}},
        {**good, "id": "l", "name": "x" * 201},
        {**good, "id": "g", "geo": {"latitude": "nord", "longitude": 1}},
        {**good, "id": "g2", "geo": {"latitude": 91, "longitude": 1}},
        {**good, "id": "c", "address": {"postalCode": "99999"}},
        {**good, "id": "w", "website": "pas une adresse"},
        {**good, "id": "nc", "categories": []},
        {**good, "id": ""},
    ]
    out, err = run(write(tmp_path, "mixed.json", json.dumps(data)))
    assert "1 initiatives ont été créées, 0 mises à jour, 9 ignorées" in out
    assert "élément 2 ignorée : objet JSON attendu" in err
    assert "id t ignorée : nom : texte attendu, reçu dict" in err
    assert "id l ignorée : nom : 201 caractères, au plus 200 acceptés" in err
    assert "id g ignorée : latitude : nombre attendu, reçu « nord »" in err
    assert "id g2 ignorée : latitude : 91 hors des limites" in err
    assert "id c ignorée : commune introuvable (99999)" in err
    assert "id w ignorée : website" in err
    assert "id nc ignorée : aucune catégorie reconnue" in err
    assert "élément 10 ignorée : id : manquant" in err
    saved = Initiative.objects.get()
    assert saved.name == good["name"]
    saved.approve(by=None)
    body = client.get(reverse("initiatives:list")).content.decode()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; Ça marche ✨ 日本" in body
    assert "<script>alert('x')</script>" not in body


# CSV ----------------------------------------------------------------------


def export_csv(client) -> str:
    response = client.get(reverse("initiatives:export", args=["csv"]))
    return b"".join(response.streaming_content).decode("utf-8")


def comparable(text: str) -> list[dict]:
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    for row in rows:
        for volatile in ("id", "date_creation", "date_mise_a_jour", "date_publication"):
            row.pop(volatile)
    return rows


def test_csv_round_trip_gives_the_same_records(client, tmp_path, make_initiative, geo):
    make_initiative(
        name='=Jardin; « guillemets » "doubles"',
        summary="Ligne 1\nLigne 2 — Œuvre ✨",
        description="**Markdown** <em>html</em>",
        families=list(Family.objects.filter(slug__in=["libre", "culturel"])),
        tags=["compost", "vélo"],
        economic_model="pay_what_you_can",
        governance="cooperative",
        website="https://exemple.fr/a?b=c",
        organisation="-Asso",
        public_contact="+33 2 98 00 00 00",
        source="Réseau X",
        source_id="42",
    )
    make_initiative(
        name="Sans coordonnées", commune=geo.lyon, latitude=None, longitude=None
    )
    before = export_csv(client)
    Initiative.objects.all().delete()
    out, err = run(write(tmp_path, "export.csv", before), "--status", "published")
    assert "2 initiatives ont été créées" in out, err
    assert comparable(export_csv(client)) == comparable(before)
    # Importing the same file again updates both records in place.
    out, _ = run(write(tmp_path, "export.csv", before), "--status", "published")
    assert "0 initiatives ont été créées, 2 mises à jour" in out
    assert Initiative.objects.count() == 2


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "Le fichier est vide"),
        (b"\xef\xbb\xbf", "Le fichier est vide"),
        (b"nom,type_de_pratique\nA,B\n", "Colonnes obligatoires absentes"),
        (b"nom;type_de_pratique\nA;B\n", "code_insee"),
        (b"\xff\xfe\x00n", "pas en UTF-8"),
    ],
)
def test_unusable_csv_files_stop_with_a_clear_error(tmp_path, geo, content, message):
    with pytest.raises(CommandError, match=message):
        run(write(tmp_path, "bad.csv", content))


def test_csv_bad_rows_are_reported_by_line(tmp_path, geo):
    header = ";".join(exports.COLUMN_NAMES)
    base = dict.fromkeys(exports.COLUMN_NAMES, "")
    base.update(nom="Bonne", type_de_pratique="Fab lab", code_insee="29019")

    def line(**changes):
        row = {**base, **changes}
        return ";".join(row[name] for name in exports.COLUMN_NAMES)

    lines = [
        header,
        line(),
        line(nom=""),
        line(code_insee="00000", commune=""),
        line(familles="Libre | Inconnue"),
        line(modele_economique="Troc"),
        line(latitude="48.1"),
        line(nom="Trop", resume="r" * 301),
        line() + ";en trop",
        line(latitude="quarante-huit", longitude="-4,5"),
    ]
    out, err = run(write(tmp_path, "rows.csv", "\n".join(lines) + "\n"))
    assert "1 initiatives ont été créées, 0 mises à jour, 8 ignorées" in out
    assert "ligne 3 ignorée : nom : obligatoire" in err
    assert "ligne 4 ignorée : commune introuvable (00000)" in err
    assert "ligne 5 ignorée : famille inconnu(s) : Inconnue" in err
    assert "ligne 6 ignorée : modèle économique : « Troc »" in err
    assert "ligne 7 ignorée : latitude et longitude vont ensemble" in err
    assert "ligne 8 ignorée : resume : 301 caractères" in err
    assert "ligne 9 ignorée : plus de cellules que de colonnes" in err
    assert "ligne 10 ignorée : latitude : nombre attendu, reçu « quarante-huit »" in err
    assert Initiative.objects.get().commune == geo.brest


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Lecture impossible"):
        run(tmp_path / "absent.json")


def test_gogocarto_alternative_keys_and_mixed_category_references(tmp_path, charente):
    taxonomy = write(
        tmp_path, "taxonomy.json", json.dumps([{"id": 7, "name": "Tiers-lieu"}])
    )
    data = [
        {
            "id": 1,
            "title": "La Fabrique",
            "lat": 45.65,
            "lng": 0.16,
            "taxonomy": [99, "7", "Marché paysan"],
            "address": {"postalCode": "16000"},
        }
    ]
    out, err = run(write(tmp_path, "e.json", json.dumps(data)), "--taxonomy", taxonomy)
    assert "1 initiatives ont été créées" in out, err
    fabrique = Initiative.objects.get(source_id="1")
    assert fabrique.name == "La Fabrique"
    assert fabrique.category.slug == "tiers-lieu"
    assert fabrique.tags.names()[0] == "Marché paysan"
    assert (fabrique.latitude, fabrique.longitude) == (45.65, 0.16)
    assert fabrique.commune == charente["Angoulême"]
