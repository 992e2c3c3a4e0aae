"""What one clinic web page says: schema.org data first, then what its markup shows plainly.

Strings stay as printed; `directory.normalise` decides what they mean.
"""

import codecs
import json
import logging
import re
import string
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain, compress, filterfalse
from operator import attrgetter
from typing import Any
from xml.dom import minidom

import extruct
import phonenumbers
from lxml import etree
from parsel import Selector
from parsel.selector import create_root_node
from phonenumbers import Leniency
from pyRdfa import Options as RDFaOptions
from pyRdfa import builtInTransformers as RDFA_TRANSFORMERS
from pyRdfa.parse import parse_one_node
from pyRdfa.state import ExecutionContext
from pyRdfa.transform.prototype import handle_prototypes
from rdflib import RDF, Graph, Literal
from rdflib.term import Node

from directory.items import ClinicianItem, LocationItem
from directory.normalise.hours import mentions_hours, names_day
from directory.normalise.names import KNOWN_CREDENTIALS

logger = logging.getLogger(__name__)

CLINIC_TYPES = frozenset(
    {
        "MedicalClinic",
        "MedicalBusiness",
        "MedicalOrganization",
        "Physician",
        "PhysiciansOffice",
        "LocalBusiness",
        "HealthAndBeautyBusiness",
        "Hospital",
    }
)
PERSON_TYPES = frozenset({"Person", "IndividualPhysician"})
PERSON_ONLY_KEYS = ("honorificPrefix", "honorificSuffix", "givenName", "familyName", "worksFor")
PERSON_KEYS = ("employee", "employees", "member", "members", "founder", "founders", "physician")


def _credential_pattern(credentials: Iterable[str]) -> str:
    """Any known credential as sites print it: any case, letters optionally dotted ("M.D.")."""
    longest_first = sorted(credentials, key=len, reverse=True)
    spelled = (r"\.?".join(re.escape(char) for char in credential) for credential in longest_first)
    return r"(?i:" + "|".join(spelled) + r")\.?"


CREDENTIAL = _credential_pattern(KNOWN_CREDENTIALS)
UPPER = "A-ZÀ-ÖØ-Þ"
NAME_LETTERS = "A-Za-zÀ-ÿ'’\\-"
NAME = rf"[{UPPER}][{NAME_LETTERS}]+(?:\s+[{UPPER}]\.?)?(?:\s+[{UPPER}][{NAME_LETTERS}]+){{1,2}}"
TITLE = r"Dra?\.?"  # "Dr.", and "Dra." on Spanish-language pages
LABEL = r"[A-Za-z][A-Za-z ]{0,30}:\s*"  # "Prescriber: ", "Medical director: "
CREDENTIALS = rf"{CREDENTIAL}(?:\s*,\s*{CREDENTIAL})*"
CREDENTIALED_PERSON = re.compile(
    rf"^(?P<label>{LABEL})?(?:{TITLE}\s+)?(?P<name>{NAME})\s*,\s*(?P<credentials>{CREDENTIALS})"
    r"(?!\s*\d{5})(?=$|[\s,;:(–—-])"  # "Silver Spring, MD 20910" is a place
)
BARE_NAME = re.compile(rf"^(?:{TITLE}\s+)?{NAME}$")
LEADING_TITLE = re.compile(rf"^{TITLE}\s+")
# The last character of any bare name: `NAME_LETTERS`, looked up without a pattern's call.
BARE_NAME_ENDS = frozenset(string.ascii_letters + "".join(map(chr, range(0xC0, 0x100))) + "'’-")
CREDENTIALS_ONLY = re.compile(rf"^{CREDENTIALS}$")
DOCTOR = re.compile(rf"(?<![\w.])(?P<name>{TITLE}\s+{NAME})(?=$|[\s,;:.(–—-])")
NPI_TEXT = re.compile(r"\bNPI\b\s*(?:#|No\.?|number)?\s*:?\s*(?P<npi>\d{10})\b", re.IGNORECASE)
LICENSE_TEXT = re.compile(
    r"\bLicen[sc]e\s*(?:#|No\.?|number)?\s*:?\s*"
    r"(?P<number>[A-Z]{0,4}[.\-]?\d{2,10}(?:-\d{2,10})?)\b",
    re.IGNORECASE,
)
STATE = r"(?:[A-Z]{2}\.?|[A-Z][a-z]+(?:[ ][A-Z][a-z]+)?)"  # "TX", or the state's name
# A printed US address within one line of text: a street number (its first digit not after a word
# character or "-"), then up to "ST 12345". Led by the digit, the pattern is tried only where
# one is: a lookbehind first would be tried at every character.
PRINTED_ADDRESS = re.compile(
    r"\d(?<![\w-]\d)\d{0,5}(?:-\d{1,4})?[ ](?:[NSEW]\.?[ ])?[A-Z0-9][^\n|·•]{2,90}?"
    rf"[, ][ ]?{STATE},?[ ]\d{{5}}(?:-\d{{4}})?(?!\d)"
)
IN_CITY = re.compile(rf"\s+in\s+(?=[A-Z][A-Za-z .'-]{{1,40}},?[ ]{STATE},?[ ]\d{{5}})")
# A line that continues the address above it: a suite, or "City, ST 12345".
SUITE_LINE = r"(?:Suite|Ste\.?|Unit|Floor|Fl\.?|Room|#)[ ]?[\w-]+\n"
CITY_LINE = rf"[A-Z][A-Za-z .'-]{{1,40}},?[ ]{STATE},?[ ]\d{{5}}"
ADDRESS_CONTINUES = re.compile(rf"\n(?={SUITE_LINE}|{CITY_LINE})")
POSSIBLE = Leniency.POSSIBLE  # numbers are validated by the normaliser, not here
# Text is searched for digits in its digit mask (see `_digit_mask`), by `bytes.find` or a pattern
# led by a literal, both of which run in C: on a long page each pass of Python's regular-expression
# engine that tries every character costs about as much as parsing the page.
DIGIT, OTHER = b"0", b"."
# A phone-shaped run of digits: three, up to three other characters on the line, four ("555-0142",
# "5550142", "555 ‑ 0142"), as `\d{3}[^\d\n]{0,3}\d{4}` matches it. Led by a literal, the
# pattern is searched for in C, the digit runs of no phone number included.
PHONE_SHAPE = re.compile(re.escape(DIGIT * 3) + re.escape(OTHER) + b"{0,3}" + re.escape(DIGIT * 4))
ZIP_CODE = DIGIT * 5  # or the start of a longer run: a wider region, no harm
# ASCII letters that the phone matcher's pattern never spells (it spells "ext", "anexo", "x" and
# "int"), in either case, and the separators pages print between a number and what comes before
# it ("Des Moines, IA 50309 · 515-555-0116"), which it never spells either: no number it finds
# spans one, so the text between two of them is matched on its own with the same result, and a
# stretch that cannot hold a number is skipped. A number starts with a digit, or an opening
# bracket or a plus sign before one: each stretch is matched from there ("Phone: (515) 555-0116"
# and "Call (515) 555-0116" are one stretch, matched once).
NOT_IN_NUMBERS = "BCFGHJKLMPQRUVWYZbcfghjklmpqruvwyz|·•"
NUMBER_START = r"[\d(\[（［+＋]"
MATCHER_WINDOW = re.compile(rf"{NUMBER_START}[^{NOT_IN_NUMBERS}]*")
# A number written without a country code is a US one, which has seven digits at least.
MIN_PHONE_DIGITS = 7
PLUS_SIGNS = ("+", "\uff0b")  # a number with a country code
FAX_LABEL = re.compile(r"\bfax\b\W{0,3}$", re.IGNORECASE)
PHONE_SCOPE = 160  # characters after an address where the location's phone is printed
ZIP_EXTENSION = 5  # "-1234"
ADDRESS_REACH = 200  # characters before its ZIP code where a printed address can start
# Elements that end a line of text.
BLOCK_TAGS = frozenset(
    {"address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "footer", "form"}
    | {"h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p"}
    | {"section", "table", "td", "th", "tr", "ul"}
)
NO_TEXT_TAGS = frozenset({"script", "style", "noscript", "template", "head", "svg"})


# The delete control: pages print none, and in ASCII the rendered text stays one byte a
# character when the page's does (its decoding and splitting cost a tenth of a private-use
# character's on a long page). A page that does print one has a line break there.
BLOCK_BREAK = "\x7f"
# Every character `str.split` splits at, the space left out; those pages print most first.
SPACES_BUT_THE_SPACE = (
    "\n\xa0\t\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def _text_lines_stylesheet() -> etree.XSLT:
    """The page's body as plain text, rendered in C, with `BLOCK_BREAK` around every block.

    The break is a control character, so that line breaks within the text stay spaces.
    """
    blocks, hidden = "|".join(sorted(BLOCK_TAGS)), "|".join(sorted(NO_TEXT_TAGS))
    block_break = f"<xsl:text>&#{ord(BLOCK_BREAK)};</xsl:text>"
    return etree.XSLT(
        etree.XML(
            '<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">'
            '<xsl:output method="text" encoding="utf-8"/>'
            '<xsl:template match="/"><xsl:choose>'
            '<xsl:when test="/*/body"><xsl:apply-templates select="/*/body"/></xsl:when>'
            "<xsl:otherwise><xsl:apply-templates/></xsl:otherwise></xsl:choose></xsl:template>"
            f'<xsl:template match="{blocks}">{block_break}'
            f"<xsl:apply-templates/>{block_break}</xsl:template>"
            '<xsl:template match="br"><xsl:text>, </xsl:text></xsl:template>'
            f'<xsl:template match="{hidden}"/></xsl:stylesheet>'
        )
    )


TEXT_LINES = _text_lines_stylesheet()
# Whether a page uses a syntax. (Selecting attributes is much faster in libxml2 than testing
# every element for one: `//*[@typeof]`.)
SYNTAX_PROBES = {
    "json-ld": etree.XPath("boolean(descendant::script/@type[contains(., 'ld+json')])"),
    "microdata": etree.XPath("boolean(descendant::*/@itemscope)"),
    "rdfa": etree.XPath("boolean(descendant::*/@typeof)"),
}
LINKS = etree.XPath("//a[@href]")
SCHEMA_PREFIX = re.compile(r"^https?://schema\.org/")
MAX_RDFA_DEPTH = 4
# The attributes an element's RDFa statements are read from (RDFa 1.1's and HTML's `role`): an
# element with none, and none within it, states nothing, and is read only as part of the text of
# a `property` around it. (Prefixes and languages are declared for the elements within.) Each
# attribute is looked for on its own, in C: libxml2 tests an element for many of them slowly.
RDFA_ATTRIBUTES = (
    "about", "content", "datatype", "href", "inlist", "prefix", "property",
    "rel", "resource", "rev", "role", "src", "typeof", "vocab",
)  # fmt: skip
RDFA_MARKED = etree.XPath(" | ".join(f"//@{name}/.." for name in RDFA_ATTRIBUTES))
ARTICLE_TYPES = frozenset(
    {"Article", "NewsArticle", "BlogPosting", "Report", "ScholarlyArticle", "AnalysisNewsArticle"}
)


# Parts of a page that talk about things rather than offer them: blog and news teasers, asides.
ASIDE_TAGS = ("aside", "nav", "article")  # an article only with a <time>: a dated teaser
NAMED = etree.XPath("//*[@class or @id]")
CLASS_AND_ID_VALUES = etree.XPath("//@class | //@id", smart_strings=False)
NOT_OFFERING_WORDS = ("blog", "news", "post", "press", "article")
NOT_OFFERING_NAME = re.compile(  # a class or id word, split at spaces, "-" and "_"
    r"(?<![^\s_-])(?:blog|news|posts?|press|articles?)(?![^\s_-])", re.IGNORECASE
)
# Blocks are found by tag with lxml's `iter`: libxml2 tests `//*[self::p or ...]` many times
# slower on a large page.
TEXT_BLOCK_TAGS = ("h1", "h2", "h3", "h4", "li", "p")
FRAMELESS_TEXT_BLOCKS = etree.XPath(
    "//body//*[self::h1 or self::h2 or self::h3 or self::li or self::p]"
    "[not(ancestor::nav) and not(ancestor::footer)]"
)
PERSON_BLOCK_TAGS = ("h2", "h3", "h4", "li", "p", "strong", "td")
# Read from each image's alt text up to a logo's class: few elements are images, while libxml2
# would copy and test every class attribute on the page to go down from the logos.
SITE_FRAME = etree.XPath(
    "//header//text() | //footer//text() | //img/@alt[../ancestor-or-self::*[contains(@class, "
    "'logo') or contains(@class, 'brand') or contains(@class, 'site-title')]]"
)
# The elements a person's card can be: the nearest around a name holds their numbers.
CARD_TAGS = ("section", "article", "li", "div", "tr")
MAX_BLOCK = 600
# The start of a block of opening hours: a heading of its own, or "Hours:" before them.
HOURS_TITLE = (
    r"(?i:(?:(?:office|clinic|opening|business|our)\s+)?(?:hours|horarios?)"
    r"(?:\s+(?:of\s+operation|de\s+atenci[oó]n))?)(?:\s*[:,]|$)"  # "," is a <br>
)
HOURS_HEADING = re.compile(HOURS_TITLE, re.MULTILINE)
# Led by the line break, the pattern is searched for as fast as a plain character; of the
# thousands of lines of a long page, only those starting as a heading's words do (b, c, h, o)
# are read further.
HOURS_HEADING_AFTER_BREAK = re.compile(rf"\n(?=(?i:[bcho])){HOURS_TITLE}", re.MULTILINE)
HOURS_REACH = 8  # lines after a heading: a week, and a note
ELEMENT_TEXT = attrgetter("text")  # an element's own text, read over many elements in C
MAX_PERSON_TEXT = 120  # a longer text is a paragraph about someone, not their name


@dataclass
class PageFacts:
    """Facts printed on one page; several pages of a site are merged into one listing."""

    name: str | None = None
    fallback_name: str | None = None
    website: str | None = None
    locations: list[LocationItem] = field(default_factory=list)
    """Locations the page's structured data gives."""
    printed_locations: list[LocationItem] = field(default_factory=list)
    """Addresses the page's text prints, each with the phone printed after it."""
    clinicians: list[ClinicianItem] = field(default_factory=list)
    service_texts: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    hours_texts: list[str] = field(default_factory=list)
    """Lines printed under an hours heading ("Hours", "Office hours", "Horario")."""


def extract_page(html: str, url: str) -> PageFacts:
    """Everything a listing needs that this page states."""
    return extract_tree(parse_html(html), html, url)


def extract_tree(root: Any, html: str, url: str) -> PageFacts:
    """What `extract_page` reads, from the page's tree as `parse_html` built it."""
    metas = _meta_contents(root)
    facts = PageFacts(fallback_name=_parse_fallback_name(root, metas))
    nodes = list(_structured_nodes(root, html, url))
    for node in nodes:
        _add_structured(facts, node)
    lines = _text_lines(root)
    mask, numbers = _digit_mask(lines), PhoneMatches()
    facts.printed_locations = _parse_printed_addresses(lines, mask, numbers)
    asides = _not_offering(root)
    texts = BlockTexts()
    facts.clinicians = _merge_people(facts.clinicians, _parse_plain_clinicians(root, asides, texts))
    _add_sole_numbers(facts.clinicians, lines)
    facts.phones = _parse_phones(root, lines, mask, numbers)
    facts.hours_texts = _parse_hours_texts(lines)
    if not _is_article(metas, nodes):  # an article mentions services; it offers none
        facts.service_texts += _parse_service_texts(root, asides, texts)
    return facts


def item_list_entries(html: str, url: str) -> list[tuple[str, str | None]]:
    """The items a page's schema.org `ItemList` names: (URL as written, name if given)."""
    entries: dict[str, str | None] = {}
    for node in _structured_nodes(parse_html(html), html, url):
        if "ItemList" not in _types(node):
            continue
        for element in _as_list(node.get("itemListElement")):
            if not isinstance(element, dict):
                continue
            item = element.get("item", element)
            if isinstance(item, str):
                link, name = item, _text(element.get("name"))
            else:
                link = _text(item.get("url") or item.get("@id"))
                name = _text(item.get("name")) or _text(element.get("name"))
            if link:
                entries.setdefault(link, name)
    return list(entries.items())


def parse_html(html: str) -> Any:
    """The page's tree as parsel (Scrapy's parser) builds it, but of lxml's plain elements.

    parsel's tree is of lxml.html's element classes, which cost a Python call for every element
    read (tens of thousands on a long page). Only extruct's microdata reader needs them (its text
    cleaner calls their methods), and it reads parsel's own tree of the page.
    """
    return create_root_node(html, etree.HTMLParser)  # as HTML, never sniffed as JSON


def _structured_nodes(root: Any, html: str, url: str) -> Iterator[dict[str, Any]]:
    """Every schema.org object on the page, `@graph` wrappers and lists flattened.

    Only the syntaxes the page uses are parsed; one that is broken (invalid JSON-LD) is logged
    with the page's URL and the others still count.
    """
    for syntax, probe in SYNTAX_PROBES.items():
        if not probe(root):
            continue
        try:
            nodes = _read_syntax(syntax, root, html, url)
        except Exception as error:  # noqa: BLE001 - any broken markup; the page still counts
            logger.warning("unreadable %s on %s: %s", syntax, url, error)
            continue
        yield from _flatten(nodes)


def _read_syntax(syntax: str, root: Any, html: str, url: str) -> list[dict[str, Any]]:
    """A syntax's schema.org objects, by extruct; RDFa's by pyRdfa (see `_rdfa_statements`).

    Microdata is read from lxml.html's elements (see `parse_html`), JSON-LD from the page's tree.
    """
    if syntax == "rdfa":
        return _rdfa_objects(_rdfa_statements(root, url))
    document = Selector(text=html, type="html").root if syntax == "microdata" else root
    data = extruct.extract(document, base_url=url, syntaxes=[syntax], uniform=True)
    return data.get(syntax, [])


def _rdfa_statements(root: Any, url: str) -> Graph:
    """The page's RDFa statements, read by pyRdfa from a `minidom` copy of the page's tree.

    extruct hands pyRdfa the whole page, as lxml elements that answer the DOM's calls in Python.
    The copy is of `minidom`, the DOM pyRdfa was written for, which answers them in half the
    time, and holds only the parts of the page that state something in RDFa (see
    `_rdfa_parts`): pyRdfa takes each element through its processing steps, and a page
    with RDFa breadcrumbs is otherwise read in full.

    pyRdfa's `graph_from_DOM` gathers the statements in a graph of its own that binds rdflib's
    ~30 namespaces, then copies them, bindings included, into the graph it returns, which
    extruct serialises as JSON-LD to read back: on a small page three times the time of reading
    the statements. Its steps are taken here into one graph that binds none, read as it is. The
    prefixes extruct adds to pyRdfa's initial context (Open Graph's) apply as they do there.
    """
    top = _minidom(root, _rdfa_parts(root)).documentElement
    options = RDFaOptions(embedded_rdf=False, vocab_cache=False)  # as extruct's
    graph = Graph(bind_namespaces="none")
    state = ExecutionContext(top, graph, base=url, options=options)
    for transform in options.transformers + RDFA_TRANSFORMERS:
        transform(top, options, state)
    parse_one_node(top, graph, None, state, [])
    handle_prototypes(graph)
    return graph


def _rdfa_parts(root: Any) -> set[Any]:
    """The elements of a page that RDFa reads: those with an RDFa attribute, with the elements
    around them and, around a `property`'s text, all within it."""
    parts: set[Any] = set()
    for element in RDFA_MARKED(root):
        if element.get("property") is not None:
            parts.update(element.iter())
        parts.add(element)
        for ancestor in element.iterancestors():
            if ancestor in parts:
                break
            parts.add(ancestor)
    return parts


def _minidom(root: Any, parts: set[Any]) -> minidom.Document:
    """A `minidom` copy of the page's tree with only the elements in `parts` (the root always),
    their attributes and text; comments are left out."""
    document = minidom.Document()

    def copy(element: Any, parent: minidom.Node) -> None:
        node = document.createElement(element.tag)
        for name, value in element.items():
            node.setAttribute(name, value)
        if element.text:
            node.appendChild(document.createTextNode(element.text))
        for child in element:
            if child in parts and isinstance(child.tag, str):  # not a comment
                copy(child, node)
            if child.tail:
                node.appendChild(document.createTextNode(child.tail))
        parent.appendChild(node)

    copy(root, document)
    return document


def _rdfa_objects(graph: Graph) -> list[dict[str, Any]]:
    """RDFa's statements as nested schema.org objects, like JSON-LD: the typed subjects that no
    statement refers to, with the objects they refer to in place.

    An RDF graph keeps no order (its blank nodes are named anew at each parse), so roots and
    values are sorted: a page reads the same every time."""
    subjects: dict[Node, dict[Node, list[Node]]] = {}
    referenced: set[Node] = set()
    for subject, predicate, value in graph:
        subjects.setdefault(subject, {}).setdefault(predicate, []).append(value)
        if predicate != RDF.type and not isinstance(value, Literal):
            referenced.add(value)
    roots = [
        _rdfa_object(statements, subjects, depth=0)
        for subject, statements in subjects.items()
        if subject not in referenced and RDF.type in statements
    ]
    return sorted(roots, key=_canonical)


def _rdfa_object(
    statements: dict[Node, list[Node]], subjects: dict[Node, dict[Node, list[Node]]], depth: int
) -> dict[str, Any]:
    """One subject's statements with schema.org keys shortened and the subjects they refer to in
    place, to a depth of `MAX_RDFA_DEPTH`; other references (a bare URL) are left out."""
    result: dict[str, Any] = {"@type": sorted(map(str, statements.get(RDF.type, [])))}
    for predicate, values in statements.items():
        if predicate == RDF.type:
            continue
        resolved: list[Any] = []
        for value in values:
            if isinstance(value, Literal):
                resolved.append(str(value))
            elif (target := subjects.get(value)) is not None and depth < MAX_RDFA_DEPTH:
                resolved.append(_rdfa_object(target, subjects, depth + 1))
        resolved.sort(key=_canonical)
        key = SCHEMA_PREFIX.sub("", str(predicate))
        result[key] = resolved if len(resolved) != 1 else resolved[0]
    return result


def _canonical(value: Any) -> str:
    """A value's order among RDF values, which have none of their own."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _flatten(value: Any) -> Iterator[dict[str, Any]]:
    """Objects in a JSON-LD value: top level, lists and `@graph` members."""
    if isinstance(value, list):
        for member in value:
            yield from _flatten(member)
    elif isinstance(value, dict):
        if "@graph" in value:
            yield from _flatten(value["@graph"])
        else:
            yield value


def _types(node: dict[str, Any]) -> set[str]:
    """Bare schema.org type names of a node (URLs and lists accepted)."""
    raw = node.get("@type", [])
    names = raw if isinstance(raw, list) else [raw]
    return {str(name).rstrip("/").rsplit("/", 1)[-1] for name in names}


def _add_structured(facts: PageFacts, node: dict[str, Any]) -> None:
    """Fold one schema.org object into the page's facts."""
    types = _types(node)
    name = _text(node.get("name"))
    if types & PERSON_TYPES or ("Physician" in types and _is_individual(node, name)):
        person = _person_from_node(node)
        if person:
            facts.clinicians.append(person)
        return
    if not types & CLINIC_TYPES:
        return
    facts.name = facts.name or name
    facts.website = facts.website or _text(node.get("url"))
    facts.locations += _locations_from_node(node)
    for key in PERSON_KEYS:
        for member in _flatten(node.get(key)):
            person = _person_from_node(member)
            if person:
                facts.clinicians.append(person)
    for key in ("medicalSpecialty", "availableService", "description", "knowsAbout"):
        facts.service_texts += _names(node.get(key))


def _is_individual(node: dict[str, Any], name: str | None) -> bool:
    """Whether a schema.org `Physician` (a practice, in the vocabulary) describes one person.

    Sites use it for their doctors: a name with credentials, or person-only properties.
    """
    return bool(name and _person_in(name)) or any(key in node for key in PERSON_ONLY_KEYS)


def _person_from_node(node: dict[str, Any]) -> ClinicianItem | None:
    """A clinician from a schema.org Person or Physician object."""
    name = _text(node.get("name"))
    if not name:
        given, family = _text(node.get("givenName")), _text(node.get("familyName"))
        name = " ".join(part for part in (given, family) if part) or None
    if not name:
        return None
    credentials = _text(node.get("honorificSuffix")) or _text(node.get("hasCredential"))
    return ClinicianItem(
        name=name,
        credentials=credentials,
        npi=_text(node.get("usNPI")) or _npi_in(_text(node.get("identifier")) or ""),
    )


def _locations_from_node(node: dict[str, Any]) -> list[LocationItem]:
    """Locations from `address` (objects or strings), with the node's phone, geo and hours."""
    geo = next(_flatten(node.get("geo")), {})
    phone = _text(node.get("telephone"))
    hours = _opening_hours(node)
    locations = []
    places = [*_as_list(node.get("address")), *_as_list(node.get("location"))]
    for address in places + _as_list(node.get("department")):
        if isinstance(address, str):
            locations.append(LocationItem(address=address, phone=phone, hours=hours))
        elif isinstance(address, dict):
            inner = next(iter(_as_list(address.get("address", address))), None)
            if isinstance(inner, str):
                locations.append(LocationItem(address=inner, phone=phone, hours=hours))
                continue
            if not isinstance(inner, dict):
                continue
            locations.append(
                LocationItem(
                    street=_text(inner.get("streetAddress")),
                    city=_text(inner.get("addressLocality")),
                    region=_text(inner.get("addressRegion")),
                    postal_code=_text(inner.get("postalCode")),
                    phone=_text(address.get("telephone")) or phone,
                    latitude=_text(geo.get("latitude")),
                    longitude=_text(geo.get("longitude")),
                    hours=_opening_hours(address) or hours,
                )
            )
    return locations


def _opening_hours(node: dict[str, Any]) -> list[str]:
    """A node's `openingHours` texts, and each `openingHoursSpecification` written as one
    ("Monday, Tuesday 08:00-17:00", day URLs shortened to their names)."""
    hours = [text for text in map(_text, _as_list(node.get("openingHours"))) if text]
    for spec in _flatten(node.get("openingHoursSpecification")):
        days = ", ".join(_names(spec.get("dayOfWeek")))
        opens, closes = _text(spec.get("opens")), _text(spec.get("closes"))
        hours.append(f"{days} {opens or ''}-{closes or ''}")
    return hours


def page_links(root: Any) -> list[tuple[str, str]]:
    """Every link of a page's tree with an `href`: (href as written, the link's text), for a
    crawl to choose its next pages by without parsing the page again."""
    return [(link.get("href"), " ".join(link.itertext())) for link in LINKS(root)]


def _parse_fallback_name(root: Any, metas: dict[str, str]) -> str | None:
    """A name for a site with no structured data.

    og:site_name if present; else the part of the title that the header or footer (or a logo's
    alt text) repeats ("Ketamine Therapy in San Antonio - Hill Country Ketamine & Wellness");
    else the title's first. `metas` are the page's meta contents (see `_meta_contents`).
    """
    site_name = _clean(metas.get("og:site_name"))
    if site_name:
        return site_name
    title = _clean(next(("".join(title.itertext()) for title in root.iter("title")), "")) or ""
    parts = [part.strip() for part in re.split(r"\s[|–—-]\s", title) if part.strip()]
    if len(parts) < 2:  # nothing to choose between: the site's frame is not read
        return parts[0] if parts else None
    frame = " ".join(SITE_FRAME(root)).casefold()
    repeated = [part for part in parts if part.casefold() in frame]
    if repeated:  # the longest: a nav link ("Contact") is repeated in the header too
        return max(repeated, key=len)
    return parts[0]


def _text_lines(root: Any) -> str:
    """The body's text, one line per block element; a `<br>` within a block is a comma."""
    # Decoded from its bytes: `str` of a result also looks for an XML declaration to strip.
    pieces = bytes(TEXT_LINES(root)).decode().split(BLOCK_BREAK)
    # Most pieces are the space between two blocks, dropped by a call in C, not in Python.
    return "\n".join(_all_collapsed(list(filter(str.strip, pieces))))


def _all_collapsed(texts: list[str]) -> list[str]:
    """Each text collapsed as `_collapsed` collapses it.

    A long page has thousands of texts, often all already collapsed: that is seen in C, once
    for all of them. Joined by spaces, such texts have no whitespace but a single space between
    two words (a text's leading or trailing space makes two spaces, or begins or ends them).
    Other whitespace is looked for first: a page with line breaks in its texts is told by the
    first one.
    """
    joined = " ".join(filter(None, texts))
    if (
        any(map(joined.__contains__, SPACES_BUT_THE_SPACE))
        or "  " in joined
        or joined[:1] == " "
        or joined[-1:] == " "
    ):
        return list(map(_collapsed, texts))
    return texts


def _collapsed(text: str) -> str:
    """The text with its whitespace collapsed to single spaces and stripped.

    Most texts already are (a paragraph's own text), and are returned without being split into
    words: every whitespace character but the space is unprintable.
    """
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return " ".join(text.split())


def _parse_printed_addresses(
    lines: str, mask: bytes, numbers: "PhoneMatches"
) -> list[LocationItem]:
    """Addresses printed in the text (whose digit mask this is), each with the first non-fax
    phone printed soon after it."""
    locations: dict[str, LocationItem] = {}
    for region in _address_regions(lines, mask):
        region = ADDRESS_CONTINUES.sub(", ", region)
        matches = list(PRINTED_ADDRESS.finditer(region))
        for index, match in enumerate(matches):
            end = matches[index + 1].start() if index + 1 < len(matches) else len(region)
            scope = region[match.end() : min(end, match.end() + PHONE_SCOPE)]
            address = IN_CITY.sub(", ", match.group(0))  # "... Suite 100 in Memphis, TN 38117"
            if address not in locations:
                phone = next(_phones_in(scope, _digit_mask(scope), numbers), None)
                locations[address] = LocationItem(address=address, phone=phone)
    return list(locations.values())


def _address_regions(lines: str, mask: bytes) -> Iterator[str]:
    """The whole lines within reach of a ZIP code (in the text whose digit mask this is): all an
    address and its phone can span.

    A printed address ends in a ZIP code, so the (backtracking) address patterns need not run
    over the rest of a long page.
    """
    regions: list[list[int]] = []
    zip_start = mask.find(ZIP_CODE)
    while zip_start >= 0:
        zip_end = zip_start + len(ZIP_CODE)
        start = lines.rfind("\n", 0, max(0, zip_start - ADDRESS_REACH)) + 1
        stop = lines.find("\n", zip_end + ZIP_EXTENSION + PHONE_SCOPE)
        stop = len(lines) if stop < 0 else stop
        if regions and start <= regions[-1][1]:
            regions[-1][1] = stop
        else:
            regions.append([start, stop])
        zip_start = mask.find(ZIP_CODE, zip_end)
    return (lines[start:stop] for start, stop in regions)


def _digit_mask(text: str) -> bytes:
    """One byte per character of `text`: `DIGIT` for a decimal digit (any that `\\d` matches,
    "٣" too), a line break as itself, `OTHER` for anything else.

    Encoded as Latin-1, most pages' text is copied as it is: Python keeps a text whose
    characters are all Latin-1 one byte a character, while an ASCII encoding of it would test
    each character in turn."""
    return text.encode("latin-1", DIGIT_MASK_ERRORS).translate(DIGIT_MASK)


def _mask_beyond_latin_1(error: UnicodeError) -> tuple[str, int]:
    """The encoding error handler behind `_digit_mask`: a character beyond Latin-1 becomes one
    ASCII character, "0" if it is a decimal digit (no Latin-1 character but 0-9 is one)."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    chars = error.object[error.start : error.end]
    return "".join("0" if char.isdecimal() else "." for char in chars), error.end


DIGIT_MASK_ERRORS = "crawler.extract.page.digit_mask"
codecs.register_error(DIGIT_MASK_ERRORS, _mask_beyond_latin_1)
DIGIT_MASK = bytes(
    DIGIT[0] if chr(byte).isdecimal() else byte if chr(byte) == "\n" else OTHER[0]
    for byte in range(256)
)


class PhoneMatches(dict[str, list[tuple[int, str]]]):
    """The numbers the matcher finds in a stretch of text, (start, as printed), each stretch
    matched once per page: the phone after an address is on one of the page's lines too."""

    def __missing__(self, text: str) -> list[tuple[int, str]]:
        matcher = phonenumbers.PhoneNumberMatcher(text, "US", leniency=POSSIBLE)
        found = [(match.start, match.raw_string) for match in matcher]
        self[text] = found
        return found


def _phones_in(text: str, mask: bytes, numbers: PhoneMatches) -> Iterator[str]:
    """The phone numbers printed in a text (whose digit mask this is), as printed, leaving out
    those labelled as a fax.

    Only lines with a phone-shaped run of digits go to the (thorough, slow) matcher, and of
    those only the stretches that can hold a number (see `_matcher_windows`).
    """
    for line_start in _lines_with_phone_shapes(mask):
        for start, end in _matcher_windows(text, mask, line_start):
            for found_at, printed in numbers[text[start:end]]:
                found_start = start + found_at
                if not FAX_LABEL.search(text[max(line_start, found_start - 10) : found_start]):
                    yield printed


def _matcher_windows(text: str, mask: bytes, line_start: int) -> Iterator[tuple[int, int]]:
    """Where the line starting at `line_start` may hold a number, as the matcher reads the line:
    between the characters no number spans (`MATCHER_WINDOW`), with enough digits or a plus
    sign.

    A street number or ZIP code is left out; the matcher would parse it and reject it.
    """
    line_end = text.find("\n", line_start)
    line_end = len(text) if line_end < 0 else line_end
    for window in MATCHER_WINDOW.finditer(text, line_start, line_end):
        start, end = window.span()
        if mask.count(DIGIT, start, end) >= MIN_PHONE_DIGITS or any(
            sign in window.group() for sign in PLUS_SIGNS
        ):
            yield start, end


def _lines_with_phone_shapes(mask: bytes) -> list[int]:
    """Where each line that holds a phone-shaped run of digits starts, in order, in the text
    whose digit mask this is."""
    starts = (mask.rfind(b"\n", 0, shape.start()) + 1 for shape in PHONE_SHAPE.finditer(mask))
    return list(dict.fromkeys(starts))  # a shape never spans two lines


class BlockTexts(dict[Any, str]):
    """Elements' texts, whitespace collapsed (comments left out), each read once per page.

    People and services are both looked for in headings, list items and paragraphs.
    """

    def __missing__(self, element: Any) -> str:
        (raw,) = _raw_texts([element])
        text = self[element] = _collapsed(raw)
        return text

    def read(self, elements: list[Any]) -> list[str]:
        """The texts of many elements, those not read yet collapsed together (see
        `_all_collapsed`): a long page has thousands of blocks."""
        unread = list(filterfalse(self.__contains__, elements))
        self.update(zip(unread, _all_collapsed(_raw_texts(unread)), strict=True))
        return list(map(self.__getitem__, elements))


def _raw_texts(elements: list[Any]) -> list[str]:
    """Each element's text nodes joined by spaces, uncollapsed.

    Most blocks have no children: their text is read in C, without a tree walk or a Python call.
    """
    texts = [text or "" for text in map(ELEMENT_TEXT, elements)]
    for index in compress(range(len(elements)), map(len, elements)):
        texts[index] = " ".join(elements[index].itertext())
    return texts


def _parse_plain_clinicians(root: Any, asides: set[Any], texts: BlockTexts) -> list[ClinicianItem]:
    """People named with credentials ("Jane Q. Doe, MD") or as "Dr. Raj Patel"; not in teasers."""
    clinicians: dict[str, ClinicianItem] = {}
    blocks = _outside(root.iter(*PERSON_BLOCK_TAGS), asides)
    block_texts = texts.read(blocks)
    for block, text in zip(blocks, block_texts, strict=True):
        # A longer text is a paragraph, whatever follows it. Most short blocks have neither a
        # comma nor a "Dr", nor end as a name can ("Visitor question 12"): no pattern could
        # match them.
        if len(text) > MAX_PERSON_TEXT or (
            "," not in text and "Dr" not in text and text[-1:] not in BARE_NAME_ENDS
        ):
            continue
        person = _person_in(_with_credentials_below(block, text, texts))
        if not person or person in clinicians:
            continue
        card = _card(block)
        context = texts[card] if card is not None else ""
        license_match = LICENSE_TEXT.search(context)
        clinicians[person] = ClinicianItem(
            name=person,
            npi=_npi_in(context),
            license_number=license_match.group("number") if license_match else None,
        )
    return list(clinicians.values())


def _card(block: Any) -> Any:
    """The nearest card around a block, or the block itself if it is one; found by lxml's tag
    iteration, in C, rather than an XPath evaluated for each name."""
    if block.tag in CARD_TAGS:
        return block
    return next(block.iterancestors(*CARD_TAGS), None)


def _with_credentials_below(block: Any, text: str, texts: BlockTexts) -> str:
    """A bare name with the credentials printed on the line below it ("Dr. Ann Lee" / "MD")."""
    # Most blocks end in something no name ends with ("Visitor question 12"): not matched at all.
    if text[-1:] not in BARE_NAME_ENDS or not BARE_NAME.match(text):
        return text
    below = block.getnext()
    credentials = texts[below] if below is not None else ""
    return f"{text}, {credentials}" if CREDENTIALS_ONLY.match(credentials) else text


def _outside(elements: Iterable[Any], asides: set[Any]) -> list[Any]:
    """The elements that are not in `asides`."""
    if not asides:  # most pages have none
        return list(elements)
    return [element for element in elements if element not in asides]


def _not_offering(root: Any) -> set[Any]:
    """Every element inside a part of the page that talks about things rather than offers them.

    Asides and navigation, dated article teasers, and anything classed or named blog, news,
    post, press or article.
    """
    any_named = _names_any_not_offering(" ".join(CLASS_AND_ID_VALUES(root)))
    named = (
        element
        for element in (NAMED(root) if any_named else ())
        if NOT_OFFERING_NAME.search(f"{element.get('class', '')} {element.get('id', '')}")
    )
    teasers = (
        element
        for element in root.iterdescendants(*ASIDE_TAGS)
        if element.tag != "article" or next(element.iterdescendants("time"), None) is not None
    )
    asides: set[Any] = set()
    for element in (*teasers, *named):
        if element not in asides:
            asides.update(element.iter())
    return asides


def _names_any_not_offering(names: str) -> bool:
    """Whether any of the page's classes and ids, joined by spaces, says blog, news and so on.

    A word cannot span two attributes, so one search answers for all. Names in ASCII (almost
    all) are first looked through for the words' letters in C; only where IGNORECASE could
    match more than lower-casing does ("ſ", "İ") or a word occurs is the pattern run.
    """
    if names.isascii():
        folded = names.lower()
        if not any(word in folded for word in NOT_OFFERING_WORDS):
            return False
    return NOT_OFFERING_NAME.search(names) is not None


def _merge_people(
    structured: list[ClinicianItem], plain: list[ClinicianItem]
) -> list[ClinicianItem]:
    """Structured people first (with numbers printed beside them), then those only text names."""
    by_name = {_person_key(person.name): person for person in structured}
    merged = list(structured)
    for person in plain:
        key = _person_key(person.name)
        known = by_name.get(key)
        if known is None:
            by_name[key] = person
            merged.append(person)
            continue
        known.npi = known.npi or person.npi
        known.license_number = known.license_number or person.license_number
    return merged


def _add_sole_numbers(clinicians: list[ClinicianItem], lines: str) -> None:
    """On a page naming one clinician, the one NPI or licence number it prints is theirs."""
    if len(clinicians) != 1:
        return
    (person,) = clinicians
    npis = {match.group("npi") for match in NPI_TEXT.finditer(lines)}
    numbers = {match.group("number") for match in LICENSE_TEXT.finditer(lines)}
    if person.npi is None and len(npis) == 1:
        person.npi = npis.pop()
    if person.license_number is None and len(numbers) == 1:
        person.license_number = numbers.pop()


def _person_key(name: str) -> str:
    """A person's name without title or credentials, for recognising them twice on a page."""
    bare = LEADING_TITLE.sub("", name.split(",")[0].strip())
    return "".join(filter(str.isalpha, bare.casefold()))  # its letters, picked out in C


def _person_in(text: str) -> str | None:
    """The credentialed name a short text starts with, as written."""
    # Both patterns need a comma or a "Dr": most blocks have neither, and are dismissed unread.
    if len(text) > MAX_PERSON_TEXT or ("," not in text and "Dr" not in text):
        return None
    match = CREDENTIALED_PERSON.match(text)
    if match:
        return match.group(0).removeprefix(match.group("label") or "").strip(" ,;:")
    match = DOCTOR.search(text)  # "Medical director: Dr. Émile Thibodeaux"
    return match.group("name") if match else None


def _npi_in(text: str) -> str | None:
    """A printed NPI number in a text."""
    match = NPI_TEXT.search(text)
    return match.group("npi") if match else None


def _parse_hours_texts(lines: str) -> list[str]:
    """The lines under each hours heading, or after "Hours:", that name a day or a time.

    A table's day and its hours ("Monday – Friday" | "9 am – 5 pm") are one line. Only text
    after a heading is read, so the rest of a long page costs one scan for the heading.
    """
    texts: list[str] = []
    first = HOURS_HEADING.match(lines)
    for heading in [*([first] if first else []), *HOURS_HEADING_AFTER_BREAK.finditer(lines)]:
        following = lines[heading.end() :].split("\n", HOURS_REACH + 1)[: HOURS_REACH + 1]
        block: list[str] = []
        for line in following:
            if not mentions_hours(line):
                if line.strip(" :") or block:
                    break
                continue
            if block and not names_day(line):
                block[-1] = f"{block[-1]} {line}"
            else:
                block.append(line)
        texts += [line.strip(" :") for line in block]
    return texts


def _parse_phones(root: Any, lines: str, mask: bytes, numbers: PhoneMatches) -> list[str]:
    """Phone numbers: `tel:` links first, else numbers printed in the text (faxes left out);
    `mask` is the text's digit mask."""
    links = [href[4:] for href in _tel_links(root)]
    if links:
        return list(dict.fromkeys(link.strip() for link in links if link.strip()))
    return list(dict.fromkeys(_phones_in(lines, mask, numbers)))


def _tel_links(root: Any) -> list[str]:
    """The `href` of every `tel:` link, found by lxml's tag iteration (in C)."""
    hrefs = (link.get("href") for link in root.iter("a"))
    return [href for href in hrefs if href is not None and href.startswith("tel:")]


def _parse_service_texts(root: Any, asides: set[Any], texts: BlockTexts) -> list[str]:
    """Headings, list items and paragraphs of the main content, where services are described.

    Blog and news teasers, asides and navigation are left out: they mention, not offer.
    """
    in_main = dict.fromkeys(
        chain.from_iterable(main.iter(*TEXT_BLOCK_TAGS) for main in root.iter("main"))
    )
    blocks = _outside(in_main, asides) or _outside(FRAMELESS_TEXT_BLOCKS(root), asides)
    return [text for text in texts.read(blocks) if 0 < len(text) <= MAX_BLOCK]


def _is_article(metas: dict[str, str], nodes: list[dict[str, Any]]) -> bool:
    """Whether the page is an article (news, a blog post) rather than a page of the clinic's."""
    og_type = metas.get("og:type", "")
    return og_type.strip().lower() == "article" or any(
        _types(node) & ARTICLE_TYPES for node in nodes
    )


def _meta_contents(root: Any) -> dict[str, str]:
    """The content of the page's first `<meta property=... content=...>` of each property.

    Found by lxml's tag iteration, in C, once for all the properties read: an XPath would test
    every node of a long page.
    """
    contents: dict[str, str] = {}
    for meta in root.iter("meta"):
        name, content = meta.get("property"), meta.get("content")
        if name is not None and content is not None:
            contents.setdefault(name, content)
    return contents


def _as_list(value: Any) -> list[Any]:
    """A schema.org value that may be single or repeated, as a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _names(value: Any) -> list[str]:
    """Text of values that may be strings, URLs or objects with a name."""
    names = []
    for member in _as_list(value):
        if isinstance(member, dict):
            member = member.get("name")
        text = _text(member)
        if text:
            names.append(text.rstrip("/").rsplit("/", 1)[-1] if "schema.org/" in text else text)
    return names


def _text(value: Any) -> str | None:
    """A schema.org scalar as clean text (first of a list; numbers as strings)."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("@value") or value.get("name")
    if value is None or isinstance(value, (dict, list)):
        return None
    return _clean(str(value))


def _clean(text: str | None) -> str | None:
    """Whitespace collapsed; empty becomes None."""
    if text is None:
        return None
    collapsed = " ".join(text.split())
    return collapsed or None
