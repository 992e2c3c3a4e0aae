"""What a clinic offers, read from the phrases clinic sites use ("IV ketamine infusions", "TRD").

Spanish-language pages are read too ("infusiones de ketamina", "depresión", "TEPT").

Matching is by word-boundary regular expressions, case-insensitive. Conditions overlap on
purpose: "treatment-resistant depression" is also depression, so a search for depression finds it.
"""

import re
from collections.abc import Iterable

from directory.vocab import Condition, Modality


def _pattern(*alternatives: str) -> re.Pattern[str]:
    """One case-insensitive pattern matching any alternative as whole words."""
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b", re.IGNORECASE)


_DASH = r"[\s‐‑–—-]*"  # "post-traumatic", "post traumatic", "posttraumatic"
_MODALITY_PATTERNS: dict[Modality, re.Pattern[str]] = {
    Modality.IV_INFUSION: _pattern(
        r"infusions?",
        r"intravenous(?:ly)?",
        r"i\.?v\.?(?=\s+(?:ketamine|infusions?|therapy|treatments?|drips?|sessions?))",
        r"ketamine\s+i\.?v",
        r"infusi(?:ón|ones)",  # Spanish-language pages: "infusiones intravenosas"
        r"intravenosas?",
    ),
    # The vocabulary has one nasal bucket; compounded intranasal ketamine lands in it too.
    Modality.INTRANASAL_ESKETAMINE: _pattern(
        r"spravato",
        r"esketamin[ea]",
        r"intra" + _DASH + r"nasal",
        r"nasal\s+sprays?",
        r"aerosol\s+nasal",
    ),
    Modality.INTRAMUSCULAR: _pattern(
        r"intra" + _DASH + r"muscular(?:ly)?",
        r"IM(?=\s+(?:ketamine|injections?|shots?|administration|treatments?|sessions?))",
        r"ketamine\s+IM",
        r"ketamine\s+(?:injections?|shots?)",
    ),
    Modality.ORAL_SUBLINGUAL: _pattern(
        r"sub" + _DASH + r"lingual(?:ly)?",
        r"lozenges?",
        r"troches?",
        r"oral\s+ketamine",
        r"ketamine\s+(?:tablets?|capsules?|lozenges?|troches?)",
        r"buccal",
        r"rapid" + _DASH + r"dissolving\s+tablets?",
    ),
    Modality.KETAMINE_ASSISTED_PSYCHOTHERAPY: _pattern(
        r"ketamine" + _DASH + r"assisted\s+(?:psycho)?therapy",
        r"KAPT?",
        r"psychedelic" + _DASH + r"assisted\s+(?:psycho)?therapy",
        r"psicoterapia\s+asistida\s+(?:con|por)\s+ketamina",
    ),
}
_CONDITION_PATTERNS: dict[Condition, re.Pattern[str]] = {
    Condition.DEPRESSION: _pattern(r"depression", r"depressive", r"MDD", r"depresi[óo]n"),
    Condition.TREATMENT_RESISTANT_DEPRESSION: _pattern(
        r"treatment" + _DASH + r"(?:resistant|refractory)\s+(?:major\s+)?depression",
        r"TRD",
        r"difficult" + _DASH + r"to" + _DASH + r"treat\s+depression",
        r"depresi[óo]n\s+resistente",
    ),
    Condition.ANXIETY: _pattern(r"anxiety", r"GAD", r"ansiedad"),
    Condition.PTSD: _pattern(
        r"C?" + _DASH + r"PTSD",
        r"post" + _DASH + r"traumatic\s+stress",
        r"TEPT",
        r"estr[ée]s\s+post" + _DASH + r"traum[áa]tico",
    ),
    Condition.OCD: _pattern(
        r"OCD", r"obsessive" + _DASH + r"compulsive", r"TOC", r"obsesivo" + _DASH + r"compulsivo"
    ),
    Condition.BIPOLAR_DEPRESSION: _pattern(r"bipolar"),
    Condition.SUICIDAL_IDEATION: _pattern(r"suicidal(?:ity)?", r"suicide", r"suicidas?"),
    Condition.CHRONIC_PAIN: _pattern(
        r"chronic\s+pain",
        r"CRPS",
        r"complex\s+regional\s+pain",
        r"reflex\s+sympathetic\s+dystrophy",
        r"fibromyalgia",
        r"neuropath(?:y|ies|ic\s+pain)",
        r"pain\s+management",
        r"phantom\s+limb",
        r"dolor\s+cr[óo]nico",
    ),
    Condition.MIGRAINE: _pattern(r"migraines?", r"migra[ñn]as?"),
    Condition.SUBSTANCE_USE: _pattern(
        r"substance\s+(?:use|abuse|misuse)",
        r"alcohol(?:ism|\s+use\s+disorder|\s+dependence|\s+abuse)",
        r"opioid\s+(?:use\s+disorder|dependence|addiction)",
        r"addictions?",
        r"AUD",
        r"SUD",
        r"OUD",
        r"adicci(?:ón|ones)",
        r"abuso\s+de\s+sustancias",
    ),
}


# A narrower condition that always implies a broader one, whatever words named it.
# A service named after these words, up to the end of the clause, is not on offer:
# "IM ketamine is a lower-cost alternative to IV infusions", "we do not offer Spravato",
# "we do not treat bipolar disorder".
_NOT_OFFERED = re.compile(
    r"\b(?:alternatives?\s+to|instead\s+of|unlike|rather\s+than|compared\s+(?:to|with)"
    r"|as\s+opposed\s+to|(?:do|does|did)\s+not\s+(?:offer|provide|treat)"
    r"|don['’]t\s+(?:offer|provide|treat)|no\s+longer\s+(?:offer|provide|treat)"
    r"|not\s+(?:suitable|appropriate|recommended)\s+for)\b[^.,;:!?\n]*",
    re.IGNORECASE,
)

_IMPLIED: dict[Condition, Condition] = {
    Condition.TREATMENT_RESISTANT_DEPRESSION: Condition.DEPRESSION,
}


_KETAMINE = _pattern(r"(?:es)?ketamin[ae]", r"spravato", r"KAP")


def offers_ketamine(texts: Iterable[str]) -> bool:
    """Whether `texts` say ketamine is offered: named, not only in contrast ("we do not offer")."""
    return bool(_KETAMINE.search(_NOT_OFFERED.sub(" ", "\n".join(texts))))


# A professional body's name, and the membership it offers: such a site speaks for its members,
# who are the providers ("our members provide ketamine infusions"); it treats no one itself.
_PROFESSIONAL_BODY = _pattern(
    r"associations?",
    r"societ(?:y|ies)",
    r"academy",
    r"federation",
    r"college\s+of",
    r"asociaci[óo]n",
    r"academia",
    r"sociedad",
)
_MEMBERSHIP = _pattern(
    r"become\s+a\s+member",
    r"join\s+(?:us|today|now|the\s+(?:association|society|academy))",
    r"why\s+join",
    r"membership\s+(?:benefits|dues|application|levels?|categories|organi[sz]ation)",
    r"benefits?\s+of\s+membership",
    r"member\s+(?:benefits|directory|dues|forums?|login|portal|practices?|clinics?|providers?)",
    r"(?:our|its)\s+members",
    r"annual\s+(?:conference|meeting|summit)",
    r"CME",
    r"continuing\s+(?:medical\s+)?education",
    r"hazte\s+miembro",
)


def is_professional_body(name: str, texts: Iterable[str]) -> bool:
    """Whether a listing is an association of practitioners rather than a practice.

    Its name says association, society, academy (or the like), and its pages offer membership.
    Clinics sell memberships too, so the name must say it as well.
    """
    return bool(_PROFESSIONAL_BODY.search(name) and _MEMBERSHIP.search("\n".join(texts)))


def classify_services(texts: Iterable[str]) -> tuple[frozenset[Modality], frozenset[Condition]]:
    """The modalities and conditions `texts` say are offered (not those named in contrast)."""
    text = _NOT_OFFERED.sub(" ", "\n".join(texts))
    modalities = frozenset(m for m, pattern in _MODALITY_PATTERNS.items() if pattern.search(text))
    conditions = {c for c, pattern in _CONDITION_PATTERNS.items() if pattern.search(text)}
    conditions.update(_IMPLIED[c] for c in conditions & _IMPLIED.keys())
    return modalities, frozenset(conditions)
