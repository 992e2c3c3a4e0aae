"""The page extractor on saved pages; each page's expected facts sit beside it as JSON."""

import json
import re
import re._constants as re_constants
import re._parser as re_parser
import string
import sys
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from lxml import etree
from phonenumbers import Leniency, PhoneNumberMatcher, phonenumbermatcher
from rdflib.compare import isomorphic

import crawler.extract.page as extractor
from crawler.extract import extract_page, page_text

PAGES = Path(__file__).parents[1] / "fixtures" / "pages"
CASES = sorted(PAGES.glob("*/*.json"))


@pytest.mark.parametrize("case", CASES, ids=lambda path: f"{path.parent.name}/{path.stem}")
def test_extract_page_matches_the_saved_expectation(case: Path):
    saved = json.loads(case.read_text(encoding="utf-8"))
    html = case.with_suffix(".html").read_text(encoding="utf-8")
    assert asdict(extract_page(html, saved["url"])) == saved["expected"]


def test_an_rdfa_page_reads_the_same_every_time():
    # rdflib names blank nodes anew at each parse; two people came out in either order before
    path = Path(__file__).parents[1] / "fixtures" / "sites" / "north-star-rdfa" / "index.html"
    html = page_text(path.read_bytes(), None)
    readings = {repr(extract_page(html, "https://north-star-rdfa.example/")) for _ in range(12)}
    assert len(readings) == 1


def facts(slug: str, page: str):
    saved = json.loads((PAGES / slug / f"{page}.json").read_text(encoding="utf-8"))
    return extract_page((PAGES / slug / f"{page}.html").read_text(encoding="utf-8"), saved["url"])


def test_json_ld_clinic_gives_name_address_geo_and_people():
    home = facts("calm-waters", "home")
    assert home.name == "Calm Waters Ketamine Clinic"
    (location,) = home.locations
    assert (location.street, location.city, location.postal_code) == (
        "1201 W 6th St, Suite 200",
        "Austin",
        "78703",
    )
    assert [(p.name, p.credentials) for p in home.clinicians] == [
        ("Jane Q. Doe", "MD"),
        ("Sam Rivera", "LPC"),
    ]


def test_microdata_person_gets_the_npi_printed_beside_it():
    (patel,) = facts("lone-star-infusions", "home").clinicians
    assert (patel.name, patel.credentials, patel.npi) == ("Dr. Raj Patel", "M.D.", "1588667638")


def test_plain_html_site_is_named_by_what_its_header_repeats():
    for page in ("home", "team", "contact"):
        assert facts("hill-country-wellness", page).fallback_name == (
            "Hill Country Ketamine & Wellness"
        )


def test_plain_html_people_and_addresses_are_found_in_text():
    assert [p.name for p in facts("hill-country-wellness", "team").clinicians] == [
        "Maria Lopez, DNP, PMHNP-BC"
    ]
    (location,) = facts("new-dawn", "home").printed_locations
    assert (location.address, location.phone) == (
        "1700 Pacific Ave, Dallas, TX 75201",
        "(214) 555-0199",
    )


def test_a_page_naming_nobody_yields_no_clinician():
    assert facts("new-dawn", "home").clinicians == []


def test_wrong_geo_is_passed_on_as_printed_for_the_normaliser_to_judge():
    (location,) = facts("essentia-fargo", "page").locations
    assert (location.city, location.latitude) == ("Fargo", "40.761293")


def test_broken_markup_does_not_raise():
    broken = "<html><head><script type='application/ld+json'>{not json</script></head><body><p>Hi"
    assert extract_page(broken, "https://x.example/").clinicians == []


def test_page_text_reads_windows_1252_served_as_utf8_and_utf8_served_as_latin1():
    assert page_text("Clínica “Serenidad”".encode("cp1252"), "text/html; charset=utf-8") == (
        "Clínica “Serenidad”"
    )
    assert page_text("Zoë".encode(), "text/html; charset=ISO-8859-1") == "Zoë"
    assert page_text("Ren\xe9e".encode("utf-16"), "text/html; charset=utf-16") == "Renée"


def test_rdfa_is_read_like_json_ld():
    html = (
        '<body vocab="https://schema.org/"><div typeof="MedicalClinic">'
        '<span property="name">Sun Ketamine</span><div property="address" typeof="PostalAddress">'
        '<span property="streetAddress">1 Main St</span> <span property="addressLocality">'
        'Boise</span></div><div property="employee" typeof="Person"><span property="name">'
        'Ann Lee</span>, <span property="honorificSuffix">MD</span></div></div></body>'
    )
    page = extract_page(html, "https://sun.example/")
    assert page.name == "Sun Ketamine"
    assert [(loc.street, loc.city) for loc in page.locations] == [("1 Main St", "Boise")]
    assert [(p.name, p.credentials) for p in page.clinicians] == [("Ann Lee", "MD")]


# Markup of RDFa's every kind of statement: subjects, types, literals (an XML literal too),
# hanging relations, lists, roles, languages, among elements that state nothing.
RDFA_ATTRIBUTE_VALUES = {
    "about": ["#clinic", "#ann"],
    "typeof": ["schema:MedicalClinic", "schema:Person"],
    "property": ["schema:name", "schema:employee", "ex:name"],
    "rel": ["schema:employee"],
    "href": ["#ann", "/team"],
    "resource": ["#clinic"],
    "content": ["Calm Waters"],
    "datatype": ["rdf:XMLLiteral", ""],
    "inlist": [""],
    "lang": ["es"],
    "role": ["main"],
    "vocab": ["http://schema.org/"],
    "xmlns:ex": ["http://example.org/vocab#"],
}
rdfa_attributes = st.sets(st.sampled_from(sorted(RDFA_ATTRIBUTE_VALUES)), max_size=3).flatmap(
    lambda names: st.fixed_dictionaries(
        {name: st.sampled_from(RDFA_ATTRIBUTE_VALUES[name]) for name in names}
    )
)


def _element_markup(tag: str, attributes: dict[str, str], children: list[str]) -> str:
    written = "".join(f' {name}="{value}"' for name, value in attributes.items())
    return f"<{tag}{written}>{' tail '.join(children)}</{tag}>"


rdfa_markup = st.recursive(
    st.sampled_from(["Ann", "<i>Lee</i>", "", "<!-- a comment -->"]),
    lambda children: st.builds(
        _element_markup,
        st.sampled_from(["div", "span", "p", "a", "b"]),
        st.one_of(st.just({}), rdfa_attributes),
        st.lists(children, max_size=3),
    ),
    max_leaves=12,
)


@given(st.lists(rdfa_markup, max_size=3))
@example(['<div typeof="schema:Person"><b property="schema:name">Ann <i>Lee</i></b></div>'])
@example(['<b property="schema:name" datatype="rdf:XMLLiteral">Ann <i>Lee</i> MD</b>'])
@example(['<div about="#clinic" rel="schema:employee"><p><b typeof="schema:Person"></b></p></div>'])
def test_rdfa_read_from_the_parts_that_state_it_is_all_the_page_states(markup: list[str]):
    html = f'<html prefix="schema: http://schema.org/"><body>{"".join(markup)}</body></html>'
    root = extractor.parse_html(html)
    statements = extractor._rdfa_statements(root, "https://calm-waters.example/")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(extractor, "_rdfa_parts", lambda root: set(root.iter()))
        whole_page = extractor._rdfa_statements(root, "https://calm-waters.example/")
    assert isomorphic(statements, whole_page)


def test_invalid_json_ld_is_logged_with_the_url_and_microdata_still_counts(caplog):
    html = (
        '<script type="application/ld+json">{"@type": "MedicalClinic",, }</script>'
        '<div itemscope itemtype="https://schema.org/MedicalClinic">'
        '<span itemprop="name">Sun Ketamine</span></div>'
    )
    assert extract_page(html, "https://sun.example/").name == "Sun Ketamine"
    assert "unreadable json-ld on https://sun.example/" in caplog.text


def test_an_article_offers_no_services_and_a_blog_teaser_names_no_clinician():
    article = '<meta property="og:type" content="article"><main><p>IV ketamine for PTSD</p></main>'
    assert extract_page(article, "https://news.example/a").service_texts == []
    teaser = (
        '<main><p>Ketamine infusions</p><section class="recent-posts"><p>Dr. Ann Lee on PTSD</p>'
        "</section></main>"
    )
    page = extract_page(teaser, "https://sun.example/")
    assert (page.service_texts, page.clinicians) == (["Ketamine infusions"], [])


def test_schema_org_hours_stay_with_their_location_as_stated():
    (location,) = facts("essentia-fargo", "page").locations
    assert location.hours == [
        "Monday, Tuesday, Wednesday, Thursday, Friday 08:00-20:30",
        "Saturday 09:00-16:30",
        "Sunday 12:00-16:30",
    ]


def test_hours_printed_under_a_heading_are_read_a_table_row_as_one_line():
    html = (
        "<html><body><main><p>Sessions last two hours.</p><h2>Office hours</h2><table>"
        "<tr><td>Monday – Friday</td><td>8:00 am – 5:00 pm</td></tr>"
        "<tr><td>Sunday</td><td>Closed</td></tr></table><p>Call us today.</p></main></body></html>"
    )
    assert extract_page(html, "https://x.example/").hours_texts == [
        "Monday – Friday 8:00 am – 5:00 pm",
        "Sunday Closed",
    ]


# The shortcuts that spare a long page the slow passes must give what the slow passes gave.
# Text drawn from characters the patterns treat specially: digits of several scripts, every kind
# of whitespace, the line break, letters and the punctuation around names and numbers.
SPECIAL = "0123456789٣５ \t\n\r\x0b\x0c\x1c\x85\xa0\u2003\u2028\u3000\ue000.,-()’'DrAaMZzÉé:;"
texts = st.text(alphabet=SPECIAL)


@given(texts)
def test_collapsed_text_is_the_text_split_and_joined(text: str):
    assert extractor._collapsed(text) == " ".join(text.split())


# Most texts of a page have no whitespace but the space.
@given(st.lists(st.text(alphabet="Ab. ") | texts))
@example([" A", "b"]).via("a leading space")
@example(["A", "b "]).via("a trailing space")
def test_texts_collapsed_together_are_each_collapsed(texts_of_a_page: list[str]):
    collapsed = [" ".join(text.split()) for text in texts_of_a_page]
    assert extractor._all_collapsed(texts_of_a_page) == collapsed


def _block_markup(tag: str, text: str, inner: str, comment: str) -> str:
    """A block as pages write it: its text alone, or among inline elements and a comment."""
    if not inner:
        return f"<{tag}>{text}</{tag}>"
    return f"<{tag}>{text}<b>{inner}</b><!--{comment}-->{comment}<i> </i></{tag}>"


block_markup = st.builds(
    _block_markup, st.sampled_from(extractor.PERSON_BLOCK_TAGS), texts, texts, texts
)


@given(st.lists(st.text(alphabet="Ab. ").map("<p>{}</p>".format) | block_markup, max_size=12))
def test_blocks_read_together_have_their_text_collapsed(blocks: list[str]):
    root = extractor.parse_html(f"<html><body>{''.join(blocks)}</body></html>")
    elements = list(root.iter(*extractor.PERSON_BLOCK_TAGS))
    expected = [" ".join(" ".join(element.itertext()).split()) for element in elements]
    assert extractor.BlockTexts().read(elements) == expected


def test_the_spaces_besides_the_space_are_all_that_split_splits_at():
    spaces = {char for char in map(chr, range(sys.maxunicode + 1)) if char.isspace()}
    assert set(extractor.SPACES_BUT_THE_SPACE) == spaces - {" "}


HOURS_WORDS = ("\n", " ", ":", ",", "x", "Office", "clinic", "OPENING", "business", "Our", "ſ", "K")
HOURS_WORDS += ("hours", "Hours", "HORARIO", "horarios", "of operation", "de atención", "İ", "ı")


@given(st.lists(st.sampled_from(HOURS_WORDS), max_size=30).map("".join))
def test_hours_headings_after_a_break_are_all_the_title_pattern_finds(text: str):
    every_break = re.compile(rf"\n{extractor.HOURS_TITLE}", re.MULTILINE)
    found = [match.span() for match in extractor.HOURS_HEADING_AFTER_BREAK.finditer(text)]
    assert found == [match.span() for match in every_break.finditer(text)]


@given(texts)
def test_the_digit_mask_finds_what_the_digit_patterns_find(text: str):
    mask = extractor._digit_mask(text)
    assert len(mask) == len(text)
    zips = [match.start() for match in re.finditer(rb"0{5}", mask)]
    assert zips == [match.start() for match in re.finditer(r"\d{5}", text)]
    shaped = re.compile(r"\d{3}[^\d\n]{0,3}\d{4}")
    starts, offset = [], 0
    for line in text.split("\n"):
        if shaped.search(line):
            starts.append(offset)
        offset += len(line) + 1
    assert extractor._lines_with_phone_shapes(extractor._digit_mask(text)) == starts


PHONE_PIECES = (
    *"0123456789٣５ ,.-/#:;()+＋xXｘ\n\xa0",
    *("555", "0142", "(512)", "+1", "+44 20", "1-800", "40202", "200", ":30", "ext", "ext.", "Ext"),
    *("extension", "extensión", "anexo", "int", "ｅｘｔ", "доб", ";ext=", "Fax:", "fax", "Tel"),
    *("Call", "Suite", "Main St", "KY", "Phone", "ſ", "\u212a", "İ", "ı", "Daily"),
    *("·", " | ", "•", "[", "（", "［", "＋", "IA 50309 · "),
    *("555-0142", "(512) 555-0142", "512.555.0199", "+1 512 555 0101", "7946 0958", "5550142"),
)


def _phones_over_whole_lines(text: str) -> list[str]:
    """What the matcher finds over every whole line with a phone-shaped run, faxes left out."""
    found_numbers = []
    for line in text.split("\n"):
        if re.search(r"\d{3}[^\d\n]{0,3}\d{4}", line):
            for found in PhoneNumberMatcher(line, "US", leniency=Leniency.POSSIBLE):
                if not extractor.FAX_LABEL.search(line[max(0, found.start - 10) : found.start]):
                    found_numbers.append(found.raw_string)
    return found_numbers


@given(st.lists(st.sampled_from(PHONE_PIECES), max_size=40).map("".join))
def test_phones_matched_in_windows_are_those_matched_over_whole_lines(text: str):
    found = extractor._phones_in(text, extractor._digit_mask(text), extractor.PhoneMatches())
    assert list(found) == _phones_over_whole_lines(text)


def _one_character_pieces(items: Any) -> Iterator[str]:
    """Each piece of a parsed pattern that matches one character (a literal, a class), as a
    pattern of its own."""
    for op, value in items:
        if op is re_constants.LITERAL:
            yield re.escape(chr(value))
        elif op is re_constants.IN:
            yield "[" + "".join(_class_member(*member) for member in value) + "]"
        elif op is re_constants.SUBPATTERN:
            yield from _one_character_pieces(value[-1])
        elif op is re_constants.MAX_REPEAT:
            yield from _one_character_pieces(value[2])
        elif op is re_constants.BRANCH:
            for branch in value[1]:
                yield from _one_character_pieces(branch)
        else:
            raise AssertionError(f"a pattern piece this test does not read: {op}")


def _class_member(op: Any, value: Any) -> str:
    if op is re_constants.LITERAL:
        return re.escape(chr(value))
    if op is re_constants.RANGE:
        return f"{re.escape(chr(value[0]))}-{re.escape(chr(value[1]))}"
    assert (op, value) == (re_constants.CATEGORY, re_constants.CATEGORY_DIGIT)
    return r"\d"


def test_the_characters_between_matcher_windows_are_never_in_the_matchers_pattern():
    pattern = phonenumbermatcher._PATTERN
    parsed = re_parser.parse(pattern.pattern, pattern.flags)
    pieces = [re.compile(piece, pattern.flags) for piece in _one_character_pieces(parsed)]
    spelled = {char for char in string.printable if any(piece.fullmatch(char) for piece in pieces)}
    assert set("0123456789(+-. extanoEXTANO#:;=,") <= spelled  # the pieces are all read
    assert not any(piece.fullmatch(char) for piece in pieces for char in extractor.NOT_IN_NUMBERS)


def test_matcher_windows_start_where_the_matchers_numbers_can():
    lead = phonenumbermatcher._LEAD_CLASS + phonenumbermatcher._PUNCTUATION
    number_start = f"(?:{lead}){phonenumbermatcher._LEAD_LIMIT}{phonenumbermatcher._DIGIT_SEQUENCE}"
    assert phonenumbermatcher._PATTERN.pattern.startswith(number_start)
    starts = re.compile(f"{phonenumbermatcher._LEAD_CLASS}|\\d")
    chars = map(chr, range(sys.maxunicode + 1))
    assert all(extractor.MATCHER_WINDOW.match(char) for char in chars if starts.fullmatch(char))


@given(st.text(alphabet=SPECIAL + "JnoeSmithRLPCNDOPA"))
def test_texts_dismissed_unread_match_no_person_pattern(text: str):
    if "," not in text and "Dr" not in text:
        assert not extractor.CREDENTIALED_PERSON.match(text)
        assert not extractor.DOCTOR.search(text)
    if extractor.BARE_NAME.match(text):
        assert text[-1:] in extractor.BARE_NAME_ENDS


def test_the_bare_name_endings_are_the_name_letters():
    letter = re.compile(f"[{extractor.NAME_LETTERS}]")
    letters = {char for char in map(chr, range(sys.maxunicode + 1)) if letter.fullmatch(char)}
    assert letters == extractor.BARE_NAME_ENDS


@given(st.text(alphabet="blogBLOGnewsNEWSpostPOSTpressarticleARTICLE ſİıK_- x9"))
def test_the_page_names_are_read_for_blog_and_news_as_the_pattern_reads_them(names: str):
    expected = extractor.NOT_OFFERING_NAME.search(names) is not None
    assert extractor._names_any_not_offering(names) == expected


ADDRESS_PIECES = ("1", "42", "1200 ", "-", "x", "é", "_", "N ", "Main St", "Suite 100", ", ")
ADDRESS_PIECES += (" ", "TX", "Texas", "New York", " 78701", "-1234", "0", "\n", "·", ".")


@given(st.lists(st.sampled_from(ADDRESS_PIECES), max_size=30).map("".join))
def test_printed_addresses_are_found_where_a_street_number_starts_after_no_word(text: str):
    led_by_the_digit = r"\d(?<![\w-]\d)\d{0,5}"
    assert extractor.PRINTED_ADDRESS.pattern.startswith(led_by_the_digit)
    after_no_word = extractor.PRINTED_ADDRESS.pattern.replace(
        led_by_the_digit, r"(?<![\w-])\d{1,6}"
    )
    found = [match.span() for match in extractor.PRINTED_ADDRESS.finditer(text)]
    assert found == [match.span() for match in re.finditer(after_no_word, text)]


NESTING_TAGS = ("section", "article", "li", "div", "table", "tr", "td", "p", "h3", "strong", "span")


@given(st.lists(st.sampled_from(NESTING_TAGS), min_size=1, max_size=8))
def test_a_blocks_card_is_its_nearest_ancestor_or_self_of_a_card_tag(tags: list[str]):
    markup = "".join(f"<{tag}>x" for tag in tags) + "".join(f"</{tag}>" for tag in reversed(tags))
    root = extractor.parse_html(f"<html><body>{markup}</body></html>")
    nearest = etree.XPath(
        "ancestor-or-self::*[self::section or self::article or self::li or self::div"
        " or self::tr][1]"
    )
    for element in root.iter():
        assert extractor._card(element) is next(iter(nearest(element)), None)
