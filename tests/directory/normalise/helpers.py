"""Helpers shared by the normaliser tests."""

from collections.abc import Callable
from typing import Any

from directory.normalise.records import NormaliseError


def outcome(function: Callable[..., Any], *args: Any) -> Any:
    """What `function(*args)` returns, or the reason slug of the NormaliseError it raises."""
    try:
        return function(*args)
    except NormaliseError as error:
        return error.reason
