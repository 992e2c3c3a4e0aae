"""Sentences that explain a verdict: plain English that carries what the site needs to translate it.

A `Reason` *is* its English text (a `str`), so the API, the open-data report and every comparison
see exactly that. It also keeps the fixed template it was built from and the named params that fill
it, so the site can look the template up in its catalogue and show the sentence in the patient's
language. A param is text, another `Reason` (words that are translated too, such as a status), a
list of either (joined with commas), or a `date`: ISO 8601 in the English text and in the stored
form (`{"date": "2026-10-01"}`), so that machines read it, and written out in the page's language
by the site. `Reason("...")` with a literal template is also the marker that puts the template in
the translation catalogue (`pybabel extract -k Reason`).
"""

from datetime import date
from typing import Any, Self

Param = str | date | list[str]
"""A value that fills a template: text (a `Reason` is text), a date, or a list of texts (joined
by commas)."""


class Reason(str):
    """An English sentence built from a template and named params."""

    template: str
    params: dict[str, Param]

    def __new__(cls, template: str, /, **params: Param) -> Self:
        """The sentence `template % params`, keeping both (no params: the template as is)."""
        text = (
            template % {key: _english(value) for key, value in params.items()}
            if params
            else template
        )
        return cls._made(text, template, params)

    @classmethod
    def _made(cls, text: str, template: str, params: dict[str, Param]) -> Self:
        reason = super().__new__(cls, text)
        reason.template = template
        reason.params = params
        return reason

    def to_json(self) -> dict[str, Any]:
        """The stored form: the English text, the template and the params (nested ones alike)."""
        return {
            "text": str(self),
            "template": self.template,
            "params": {key: _param_to_json(value) for key, value in self.params.items()},
        }

    @classmethod
    def from_json(cls, stored: object) -> str:
        """A stored reason back: a `Reason` from its stored form, any other text as it is."""
        if not isinstance(stored, dict):
            return str(stored)
        params = {key: _param_from_json(value) for key, value in stored.get("params", {}).items()}
        return cls._made(str(stored["text"]), str(stored["template"]), params)


def _english(value: Param) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return ", ".join(value) if isinstance(value, list) else value


def _param_to_json(value: Param) -> Any:
    if isinstance(value, list):
        return [_param_to_json(item) for item in value]
    if isinstance(value, date):
        return {"date": value.isoformat()}
    return value.to_json() if isinstance(value, Reason) else str(value)


def _param_from_json(value: object) -> Param:
    if isinstance(value, list):
        return [Reason.from_json(item) for item in value]
    if isinstance(value, dict) and set(value) == {"date"}:
        return date.fromisoformat(str(value["date"]))
    return Reason.from_json(value)
