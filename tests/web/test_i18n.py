"""English and Spanish: the browser's language, a visible switch, and a complete catalogue."""

import logging
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from jinja2 import Environment
from markupsafe import escape
from sqlalchemy.orm import Session

from directory.licensing import verify_listings
from directory.models import Clinic, Clinician, License
from directory.reasons import Reason
from directory.vocab import LicenseStatus, LicenseType
from tests.clinic_factories import add_clinic, add_verification
from tests.web.helpers import add_account, csrf_token, sign_in
from tests.web.seed import CHECKED, DOWNTOWN, seed_austin

ROOT = Path(__file__).resolve().parents[2]
SPANISH = ROOT / "web" / "translations" / "es" / "LC_MESSAGES"


def test_spanish_catalogue_translates_every_message_in_the_code(tmp_path):
    template = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "_l", "-k", "translatable", "-k", "SearchInputError", "-k", "ModerationError",
         "-k", "Reason", "-o", str(template), "."],
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


TEMPLATES = ROOT / "web" / "templates"
SHOWN_ATTRIBUTE = re.compile(r'\b(?:aria-label|title|alt|placeholder)="([^"]*)"')
CODE = re.compile(r"<code>.*?</code>", flags=re.S)
TAG = re.compile(r"<[^>]*>")
WORD = re.compile(r"\b(?=[^\W\d_]*[^\W\d_A-Z])[^\W\d_]{2,}\b")  # a word, not an acronym
GETTEXT = {"_", "gettext", "ngettext"}


def untranslated(path: Path) -> list[str]:
    """Words a template shows outside `_()`: in its text, in shown attributes, in quoted phrases."""
    source = path.read_text(encoding="utf-8")
    found, text, previous = [], [], []
    lexer = Environment(autoescape=True, extensions=["jinja2.ext.i18n"])
    for _line, kind, value in lexer.lex(source, path.name):
        if kind == "data":
            text.append(value)
            continue
        text.append("\x00")  # a Jinja expression or tag: its output is not template text
        if kind == "string" and " " in value and WORD.search(value) and not _in_gettext(previous):
            found.append(value)  # a phrase passed to a macro or printed without translation
        if kind not in ("whitespace", "comment"):
            previous.append(value)
    markup = "".join(text)
    found += [value for value in SHOWN_ATTRIBUTE.findall(markup) if WORD.search(value)]
    found += WORD.findall(TAG.sub(" ", CODE.sub(" ", markup)))
    return found


def _in_gettext(previous: list[str]) -> bool:
    """Whether a string is a gettext call's message or plural: `_("…` or `ngettext("…", "…`."""
    return (len(previous) >= 2 and previous[-2] in GETTEXT and previous[-1] == "(") or (
        previous[-4:-2] == ["ngettext", "("] and previous[-1] == ","
    )


@pytest.mark.parametrize(
    "path", sorted(TEMPLATES.rglob("*.html")), ids=lambda path: str(path.relative_to(TEMPLATES))
)
def test_templates_show_no_text_outside_the_catalogue(path):
    assert untranslated(path) == []


def test_the_template_check_finds_text_outside_the_catalogue(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        '<h1 title="Plain title">{{ _("Fine") }}</h1><p>Plain words</p>'
        '{{ field(f, hint="A plain hint") }}<code>?state=TX</code>{{ _("Fine %(n)s", n=1) }}'
    )

    assert untranslated(page) == ['"A plain hint"', "Plain title", "Plain", "words"]


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


def licensed_clinic(
    session: Session, name: str, status: LicenseStatus, npi: str, expires: date | None = None
) -> Clinic:
    """A downtown listing whose MD holds one Texas licence, given its verdict by the checker."""
    clinic = add_clinic(session, name, [DOWNTOWN])
    clinic.clinicians.append(
        Clinician(
            name="Jane Doe, MD",
            name_key="doe|jane",
            first_name="Jane",
            last_name="Doe",
            credentials=["MD"],
            npi=npi,
        )
    )
    session.add(
        License(
            source_name="tx-board",
            state="TX",
            license_type=LicenseType.MD,
            license_number=f"Q{npi[-4:]}",
            first_name="JANE",
            last_name="DOE",
            last_key="doe",
            full_name="Jane Doe",
            status=status,
            expiration_date=expires,
            npi=npi,
            source_url="https://tx-board.example/",
            retrieved_at=CHECKED,
        )
    )
    session.flush()
    verify_listings(session, date(2026, 11, 25), clinic_ids=[clinic.id])
    session.commit()
    return clinic


def test_a_spanish_clinic_page_gives_the_checkers_reasons_in_spanish(client, site_session):
    clinic = licensed_clinic(
        site_session, "Suspended Clinic", LicenseStatus.SUSPENDED, "1679576722"
    )
    client.get("/language/es")

    html = client.get(f"/clinics/{clinic.id}").get_data(as_text=True)

    assert "<li>La licencia MD n.º Q6722 de TX de Jane Doe, MD está suspendida.</li>" in html
    client.get("/language/en")
    english = client.get(f"/clinics/{clinic.id}")
    assert "<li>Jane Doe, MD&#39;s MD licence Q6722 in TX is suspended.</li>" in english.get_data(
        as_text=True
    )


def test_spanish_results_give_the_one_line_reason_in_spanish(client, site_session):
    licensed_clinic(site_session, "Active Clinic", LicenseStatus.ACTIVE, "1245319599")

    html = client.get("/?near=78701", headers={"Accept-Language": "es"}).get_data(as_text=True)

    assert (
        '<span class="explanation">Jane Doe, MD tiene una licencia MD n.º Q9599 de TX vigente '
        "(tx-board; identificada por NPI).</span>"
    ) in html


def test_the_api_keeps_the_reasons_in_plain_english(client, site_session):
    clinic = licensed_clinic(
        site_session, "Suspended Clinic", LicenseStatus.SUSPENDED, "1679576722"
    )

    record = client.get(f"/api/v1/clinics/{clinic.id}", headers={"Accept-Language": "es"}).json

    assert record["verification"]["reasons"] == [
        "Jane Doe, MD's MD licence Q6722 in TX is suspended."
    ]


EXPIRED_ON = date(2026, 10, 1)


def test_a_date_in_a_reason_is_written_out_in_the_pages_language(client, site_session):
    clinic = licensed_clinic(
        site_session, "Lapsed Clinic", LicenseStatus.ACTIVE, "1679576730", EXPIRED_ON
    )
    site_session.commit()

    english = client.get(f"/clinics/{clinic.id}").get_data(as_text=True)
    spanish = client.get(f"/clinics/{clinic.id}", headers={"Accept-Language": "es"})

    assert "<li>Jane Doe, MD&#39;s MD licence Q6730 in TX expired on Oct 1, 2026.</li>" in english
    assert "<li>La licencia MD n.º Q6730 de TX de Jane Doe, MD venció el 1 oct 2026.</li>" in (
        spanish.get_data(as_text=True)
    )


def test_the_api_gives_dates_in_reasons_as_iso_with_the_template_and_params(client, site_session):
    clinic = licensed_clinic(
        site_session, "Lapsed Clinic", LicenseStatus.ACTIVE, "1679576731", EXPIRED_ON
    )
    site_session.commit()

    record = client.get(f"/api/v1/clinics/{clinic.id}", headers={"Accept-Language": "es"}).json

    (reason,) = record["verification"]["reasons"]
    (detail,) = record["verification"]["reason_details"]
    assert reason == "Jane Doe, MD's MD licence Q6731 in TX expired on 2026-10-01."
    assert detail["text"] == reason
    assert detail["template"] == "%(name)s's %(licence)s expired on %(day)s."
    assert detail["params"]["day"] == {"date": "2026-10-01"}
    assert detail["params"]["licence"]["template"] == "%(type)s licence %(number)s in %(state)s"


def test_reasons_stored_as_plain_text_show_as_they_are(client, site_session):
    clinic = add_clinic(site_session, "Old Clinic", [DOWNTOWN])
    add_verification(
        site_session, clinic, clinic.verdict, CHECKED, ["Checked by hand: 100% fine."], []
    )
    site_session.commit()

    html = client.get(f"/clinics/{clinic.id}", headers={"Accept-Language": "es"}).get_data(
        as_text=True
    )

    assert "<li>Checked by hand: 100% fine.</li>" in html
    record = client.get(f"/api/v1/clinics/{clinic.id}").json["verification"]
    assert record["reason_details"] == [
        {"text": "Checked by hand: 100% fine.", "template": None, "params": {}}
    ]


def test_a_translation_that_does_not_fit_its_params_shows_the_english(app, caplog):
    reason = Reason("%(name)s holds no active licence of a prescriber type.", name="<b>Jo</b>")
    stored_without_a_param = {
        "text": "MD licence 1",
        "template": "%(type)s licence %(number)s in %(state)s",
        "params": {"type": "MD", "number": "1"},
    }
    broken = Reason.from_json(stored_without_a_param)

    with (
        app.test_request_context(headers={"Accept-Language": "es"}),
        caplog.at_level(logging.WARNING),
    ):
        render = app.jinja_env.filters["reason_text"]
        assert (
            render(reason)
            == "<b>Jo</b> no tiene ninguna licencia vigente de un tipo que permita recetar."
        )
        assert str(escape(render(reason))).startswith("&lt;b&gt;Jo")
        assert render(broken) == "MD licence 1"
    assert "does not fit its params" in caplog.text


def test_the_report_form_speaks_spanish_with_its_errors(client, site_session):
    austin = seed_austin(site_session)
    client.get("/language/es")
    path = f"/clinics/{austin.near.id}/report"
    token = csrf_token(client, path)

    form = client.get(path).get_data(as_text=True)
    refused = client.post(path, data={"csrf_token": token, "details": ""})

    assert "<h1>Avisar de un problema con Congress Avenue Ketamine</h1>" in form
    assert "No se nombra a nadie con licencia para recetar" in form
    assert "¿Qué está mal en esta ficha?" in form
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "Corrija el problema que se indica abajo; todavía no se ha guardado nada." in page
    assert "Elija qué está mal en esta ficha." in page


def test_the_maintainers_pages_speak_spanish(client, site_session):
    austin = seed_austin(site_session)
    add_account(site_session, "mo@example.org")
    client.get("/language/es")
    assert sign_in(client, "mo@example.org") == 303

    queue = client.get("/maintainers/").get_data(as_text=True)
    listing = client.get(f"/maintainers/clinics/{austin.near.id}").get_data(as_text=True)

    assert "<h1>Avisos abiertos</h1>" in queue
    assert "Sesión iniciada como mo@example.org (Equipo del directorio)" in queue
    assert "La comprobación de licencias" in listing
    assert "Volver a hacer ahora la comprobación de licencias" in listing
