"""The OpenAPI 3.1 document of JSON API v1, its enumerations taken from our vocabularies."""

from functools import cache
from typing import Any

from directory.normalise.hours import DAYS
from directory.search import MAX_LIMIT, MAX_RADIUS_MILES, MIN_RADIUS_MILES
from directory.vocab import Condition, Modality, Verdict
from web.params import MAX_ROW_ID


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    """An optional query parameter; given empty (as a form sends it), it is as if absent."""
    return {"name": name, "in": "query", "required": False, "description": description,
            "allowEmptyValue": True, "schema": schema}  # fmt: skip


_ERROR = {
    "description": "The request cannot be answered; `field` names the parameter at fault.",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}
_STRING_OR_NULL = {"type": ["string", "null"]}
_CLOCK = r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$"
_CLOSING_CLOCK = r"^(?:(?:[01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"


@cache
def openapi_document() -> dict[str, Any]:
    """The whole document, built once."""
    listing = {"$ref": "#/components/schemas/Listing"}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Ketamine Clinic Directory API",
            "version": "1.0.0",
            "description": "Ketamine-therapy clinics with the licensing verdict on each listing. "
            "Reads are public, cacheable (ETag, Cache-Control) and open to any origin (CORS).",
        },
        "paths": {
            "/api/v1/clinics": {
                "get": {
                    "summary": "Clinics near a place, nearest first",
                    "parameters": _search_parameters(),
                    "responses": {
                        "200": {
                            "description": "One page of listings with their distances.",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/SearchResults"}
                                }
                            },
                        },  # fmt: skip
                        "304": {"description": "Not modified since the ETag given."},
                        "400": _ERROR,
                    },
                }
            },
            "/api/v1/clinics/{id}": {
                "get": {
                    "summary": "One listing",
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ROW_ID},
                        }
                    ],  # fmt: skip
                    "responses": {
                        "200": {
                            "description": "The listing record.",
                            "content": {"application/json": {"schema": listing}},
                        },  # fmt: skip
                        "304": {"description": "Not modified since the ETag given."},
                        "404": _ERROR,
                        "410": _ERROR,
                    },
                }
            },
        },
        "components": {"schemas": _schemas()},
    }


def _search_parameters() -> list[dict[str, Any]]:
    """The search's query parameters, shared with the search page."""
    radius = {"type": "number", "minimum": MIN_RADIUS_MILES, "maximum": MAX_RADIUS_MILES,
              "default": 25}  # fmt: skip
    statuses = ", ".join([*Verdict, "all"])
    return [
        _query(
            "near",
            "A ZIP code, 'City, ST' or a street address.",
            {"type": "string", "maxLength": 200},
        ),  # fmt: skip
        _query(
            "lat",
            "Latitude of the point to search from (with lon, instead of near).",
            {"type": "number", "minimum": -90, "maximum": 90},
        ),  # fmt: skip
        _query(
            "lon",
            "Longitude of the point to search from.",
            {"type": "number", "minimum": -180, "maximum": 180},
        ),  # fmt: skip
        _query("radius", "Miles from the place.", radius),
        _query(
            "status",
            f"Comma-separated verdicts, or all ({statuses}); default verified.",
            {"type": "string", "default": "verified"},
        ),  # fmt: skip
        _query(
            "modality",
            "Only clinics offering this treatment.",
            {"type": "string", "enum": list(Modality)},
        ),  # fmt: skip
        _query(
            "condition",
            "Only clinics treating this condition.",
            {"type": "string", "enum": list(Condition)},
        ),  # fmt: skip
        _query(
            "support",
            "Only clinics offering psychotherapy or integration support.",
            {"type": "boolean", "default": False},
        ),  # fmt: skip
        _query(
            "limit",
            "Page size.",
            {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 50},
        ),  # fmt: skip
        _query("offset", "Results to skip.", {"type": "integer", "minimum": 0, "default": 0}),
    ]


def _schemas() -> dict[str, Any]:
    """The response bodies (docs/contracts.md describes the listing record)."""
    strings = {"type": "array", "items": {"type": "string"}}
    return {
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["message"],
                    "properties": {"message": {"type": "string"}, "field": _STRING_OR_NULL},
                }
            },
        },  # fmt: skip
        "Location": {
            "type": "object",
            "properties": {
                **{key: _STRING_OR_NULL for key in ("street", "city", "state", "postal_code")},
                "lat": {"type": ["number", "null"]},
                "lon": {"type": ["number", "null"]},
                "phone": {**_STRING_OR_NULL, "description": "E.164"},
                "hours": {
                    "type": "array",
                    "description": "Opening hours in week order; a day not listed is not stated",
                    "items": {"$ref": "#/components/schemas/OpeningHours"},
                },
            },
        },
        "OpeningHours": {
            "type": "object",
            "required": ["day", "opens", "closes"],
            "properties": {
                "day": {"type": "string", "enum": list(DAYS)},
                "opens": {"type": "string", "pattern": _CLOCK, "description": "24-hour"},
                "closes": {
                    "type": "string",
                    "pattern": _CLOSING_CLOCK,
                    "description": "24-hour, never equal to opens, 24:00 for the day's end; "
                    "earlier than opens when the "
                    "opening runs past midnight: it closes on the next day (Friday 18:00 to "
                    "Saturday 02:00 is day fr, opens 18:00, closes 02:00)",
                },
            },
        },
        "Reason": {
            "type": "object",
            "required": ["text", "template", "params"],
            "properties": {
                "text": {"type": "string", "description": "English; the template filled in"},
                "template": {
                    **_STRING_OR_NULL,
                    "description": "With %(name)s placeholders; null for a reason stored as text",
                },
                "params": {
                    "type": "object",
                    "description": "What fills each placeholder: text, a date, a nested reason "
                    "(translated too), or a list of texts or reasons joined with commas",
                    "additionalProperties": {
                        "anyOf": [
                            {"type": "string"},
                            {"$ref": "#/components/schemas/ReasonDate"},
                            {"$ref": "#/components/schemas/Reason"},
                            {
                                "type": "array",
                                "items": {
                                    "anyOf": [
                                        {"type": "string"},
                                        {"$ref": "#/components/schemas/Reason"},
                                    ]
                                },
                            },
                        ]
                    },
                },
            },
        },
        "ReasonDate": {
            "type": "object",
            "required": ["date"],
            "additionalProperties": False,
            "properties": {
                "date": {
                    "type": "string",
                    "format": "date",
                    "description": "ISO 8601; the site writes it out in the reader's language",
                }
            },
        },
        "Listing": {
            "type": "object",
            "required": ["id", "name", "locations", "verification"],
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": "string"},
                "website": _STRING_OR_NULL,
                "source_urls": strings,
                "locations": {"type": "array", "items": {"$ref": "#/components/schemas/Location"}},
                "modalities": {"type": "array", "items": {"enum": list(Modality)}},
                "conditions": {"type": "array", "items": {"enum": list(Condition)}},
                "clinicians": {"type": "array", "items": {"type": "object"}},
                "verification": {
                    "type": "object",
                    "properties": {
                        "status": {"enum": list(Verdict)},
                        "checked_at": {**_STRING_OR_NULL, "format": "date-time"},
                        "reasons": {
                            **strings,
                            "description": "Why, in English, dates in ISO 8601 (2026-10-01)",
                        },
                        "reason_details": {
                            "type": "array",
                            "description": "The same reasons, in the same order, each with the "
                            "template and params it was filled from, to show it in another "
                            "language (the site's Spanish catalogue has every template)",
                            "items": {"$ref": "#/components/schemas/Reason"},
                        },
                    },
                },
                "distance_miles": {"type": "number", "description": "In search results only."},
            },  # fmt: skip
        },
        "SearchResults": {
            "type": "object",
            "required": ["query", "total", "results"],
            "properties": {
                "query": {"type": "object"},
                "total": {"type": "integer"},
                "results": {"type": "array", "items": {"$ref": "#/components/schemas/Listing"}},
            },
        },
    }
