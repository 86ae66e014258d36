"""French plurals come from the catalog: a plural added to the code without
`make messages` would fall back to the English rule (« 0 ateliers »)."""

import gettext
import re

from django.conf import settings
from django.utils import translation
from django.utils.translation.template import templatize

CATALOG = settings.BASE_DIR / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def test_zero_and_one_take_the_singular():
    with translation.override("fr"):
        for n, expected in [(0, "0 atelier publié"), (1, "1 atelier publié")]:
            label = translation.ngettext("atelier publié", "ateliers publiés", n)
            assert f"{n} {label}" == expected
        assert translation.ngettext("atelier publié", "ateliers publiés", 2) == (
            "ateliers publiés"
        )


PLURAL_CALL = re.compile(
    r"ngettext(?:_lazy)?\(\s*u?(?P<q>['\"])(?P<one>(?:(?!(?P=q)).)+)(?P=q)\s*,"
    r"\s*u?(?P<q2>['\"])(?P<many>(?:(?!(?P=q2)).)+)(?P=q2)",
    re.S,
)
SOURCES = ("observatoire", "initiatives", "referentiel", "ateliers", "templates")


def _plurals_in_the_code():
    for folder in SOURCES:
        for path in (settings.BASE_DIR / folder).rglob("*"):
            if path.suffix == ".py" and "migrations" not in path.parts:
                code = path.read_text(encoding="utf-8")
            elif path.suffix in {".html", ".txt"}:
                code = templatize(path.read_text(encoding="utf-8"))
            else:
                continue
            for match in PLURAL_CALL.finditer(code):
                yield path.name, match["one"]


def test_the_compiled_catalog_holds_every_plural_of_the_code():
    with CATALOG.with_suffix(".mo").open("rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)
    found = list(_plurals_in_the_code())
    assert len(found) > 20  # the scan does find them
    missing = sorted(
        {(name, one) for name, one in found if (one, 0) not in catalog._catalog}
    )
    assert missing == [], "Lancez « make messages » et committez locale/."
