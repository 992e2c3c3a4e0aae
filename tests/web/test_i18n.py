"""English and Spanish: the browser's language, a visible switch, and a complete catalogue."""

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tests.web.seed import seed_austin

ROOT = Path(__file__).resolve().parents[2]
SPANISH = ROOT / "web" / "translations" / "es" / "LC_MESSAGES"


def test_spanish_catalogue_translates_every_message_in_the_code(tmp_path):
    template = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "_l", "-k", "translatable", "-k", "SearchInputError", "-o", str(template), "."],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    with template.open("rb") as file:
        wanted = {message.id for message in read_po(file) if message.id}
    with (SPANISH / "messages.po").open("rb") as file:
        spanish = read_po(file)

    translated = {message.id for message in spanish if message.id and all_filled(message.string)}
    assert wanted - translated == set()


def all_filled(string: str | tuple[str, ...]) -> bool:
    """Whether a translation (or every plural form of one) is written."""
    return all(string) if isinstance(string, tuple) else bool(string)


def test_compiled_spanish_catalogue_matches_its_source():
    with (SPANISH / "messages.po").open("rb") as file:
        source = {_key(m.id): _key(m.string) for m in read_po(file) if m.id and not m.fuzzy}
    with (SPANISH / "messages.mo").open("rb") as file:
        compiled = {_key(m.id): _key(m.string) for m in read_mo(file) if m.id}
    assert compiled == source, "run: pybabel compile -d web/translations"


def _key(text: str | list[str] | tuple[str, ...]) -> str | tuple[str, ...]:
    """A message id or string in one comparable form (plurals as tuples)."""
    return text if isinstance(text, str) else tuple(text)


def test_the_browsers_language_chooses_spanish(client, site_session):
    seed_austin(site_session)

    html = client.get(
        "/?near=78701", headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"}
    ).get_data(as_text=True)

    assert '<html lang="es">' in html
    assert "Encuentre cerca de usted una clínica de ketamina con licencia" in html
    assert "2 clínicas a menos de 25 millas de 78701 (Austin, TX)" in html
    assert '<span class="badge badge-verified">Verificada</span>' in html
    assert "Solo verificadas" in html


def test_english_is_the_default(client):
    html = client.get("/", headers={"Accept-Language": "fr, de"}).get_data(as_text=True)

    assert '<html lang="en">' in html
    assert '<a href="/language/es?next=/" lang="es" hreflang="es">Español</a>' in html


def test_the_switch_remembers_the_language_and_returns_to_the_page(client):
    response = client.get("/language/es?next=/about")

    assert response.status_code == 302
    assert response.headers["Location"] == "/about"
    html = client.get("/about", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Sobre las comprobaciones" in html
    assert "No comprobamos los registros de la DEA." in html
    assert '<a href="/language/en?next=/about" lang="en" hreflang="en">English</a>' in html


def test_spanish_error_messages(client):
    client.get("/language/es")

    html = client.get("/?near=78701&radius=500").get_data(as_text=True)

    assert "Elija una distancia de entre 5 y 250 millas." in html


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "evil"])
def test_the_switch_never_sends_a_patient_off_the_site(client, target):
    response = client.get("/language/es", query_string={"next": target})

    assert response.headers["Location"] == "/"


def test_an_unknown_language_changes_nothing(client):
    client.get("/language/xx")

    assert '<html lang="en">' in client.get("/").get_data(as_text=True)
