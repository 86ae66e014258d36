"""import_initiatives on hostile files: every bad record is named and skipped,
the others saved; nothing ends in a traceback (issue 10, items 4, 5, 6, 13)."""

import json

import pytest
from django.core.management import CommandError
from django.urls import reverse

from initiatives import exports
from initiatives.models import Initiative
from tests.initiatives.test_import import run, write

DEEP = "[" * 100_000 + "]" * 100_000
HUGE = "9" * 5000


def csv_file(tmp_path, *rows: dict):
    header = ";".join(exports.COLUMN_NAMES)
    base = dict.fromkeys(exports.COLUMN_NAMES, "")
    base.update(nom="Bonne", type_de_pratique="Fab lab", code_insee="29019")
    lines = [header] + [
        ";".join({**base, **row}[name] for name in exports.COLUMN_NAMES) for row in rows
    ]
    return write(tmp_path, "rows.csv", "\n".join(lines) + "\n")


@pytest.mark.parametrize("slug", ["a b", "a/b", "!!!", "Jardin-É", "x" * 221])
def test_csv_slug_that_cannot_be_an_address_is_reported(tmp_path, geo, slug, client):
    path = csv_file(tmp_path, {"slug": slug, "nom": "Mauvais"}, {"slug": "bon-slug"})
    out, err = run(path, "--status", "published")
    assert "1 initiatives ont été créées" in out
    assert "ligne 2 ignorée : slug : " in err
    assert "n'est pas un identifiant d'URL valide" in err or "au plus 220" in err
    assert list(Initiative.objects.values_list("slug", flat=True)) == ["bon-slug"]
    assert client.get(reverse("sitemap")).status_code == 200


def test_csv_without_slug_gets_one_from_the_name(tmp_path, geo):
    run(csv_file(tmp_path, {"nom": "Jardin d'Été"}))
    assert Initiative.objects.get().slug == "jardin-dete"


@pytest.mark.parametrize(
    ("tag", "message"),
    [("!!!", "ni lettre ni chiffre latin"), ("t" * 101, "90 caractères au plus")],
)
def test_csv_tags_follow_the_tag_rule(tmp_path, geo, tag, message):
    out, err = run(csv_file(tmp_path, {"mots_cles": f"compost | {tag}"}, {}))
    assert f"ligne 2 ignorée : mots-clés : Le mot-clé « {tag[:3]}" in err
    assert message in err
    assert Initiative.objects.count() == 1


def test_csv_nul_byte_is_reported_for_its_record(tmp_path, geo):
    path = csv_file(tmp_path, {"nom": "Jardin\x00"}, {"adresse": "Rue\x00"}, {})
    out, err = run(path)
    assert "ligne 2 ignorée : nom : contient un caractère nul" in err
    assert "ligne 3 ignorée : adresse : contient un caractère nul" in err
    assert "1 initiatives ont été créées, 0 mises à jour, 2 ignorées" in out


def gogocarto(*elements) -> str:
    return json.dumps({"data": list(elements)})


def element(id_, **extra):
    return {
        "id": id_,
        "name": f"Élément {id_}",
        "categories": ["Fab lab"],
        "address": {"postalCode": "29200", "addressLocality": "Brest"},
        **extra,
    }


def test_gogocarto_nul_in_a_field_is_reported_for_its_record(tmp_path, geo):
    text = gogocarto(element("a", description="x\x00y"), element("b"))
    out, err = run(write(tmp_path, "e.json", text))
    assert "id a ignorée : description : contient un caractère nul" in err
    assert list(Initiative.objects.values_list("source_id", flat=True)) == ["b"]


def test_gogocarto_huge_number_is_reported_for_its_record(tmp_path, geo):
    text = gogocarto(element("a"), element("b"))
    text = text.replace('"id": "a"', f'"id": "a", "geo": {{"latitude": {HUGE}}}')
    out, err = run(write(tmp_path, "e.json", text))
    assert "id a ignorée : geo.latitude : nombre de plus de 100 chiffres" in err
    assert list(Initiative.objects.values_list("source_id", flat=True)) == ["b"]
    text = gogocarto(element("b")).replace('"id": "b"', f'"id": {HUGE}')
    out, err = run(write(tmp_path, "f.json", text))
    assert "élément 1 ignorée : id : nombre de plus de 100 chiffres" in err


@pytest.mark.parametrize("where", ["file", "taxonomy"])
def test_deeply_nested_json_is_a_clear_error(tmp_path, geo, where):
    nested = '{"data": [' + DEEP + "]}"
    elements = write(tmp_path, "e.json", nested if where == "file" else gogocarto())
    args = [elements, "--format", "gogocarto"]
    if where == "taxonomy":
        args += ["--taxonomy", write(tmp_path, "t.json", DEEP)]
    with pytest.raises(CommandError, match="plus de 64 niveaux d'imbrication"):
        run(*args)
    assert Initiative.objects.count() == 0


def test_csv_huge_number_is_reported_for_its_record(tmp_path, geo):
    path = csv_file(tmp_path, {"latitude": HUGE, "longitude": HUGE}, {})
    out, err = run(path)
    assert "ligne 2 ignorée : latitude :" in err
    assert "hors des limites" in err
    assert Initiative.objects.count() == 1
