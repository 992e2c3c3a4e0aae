"""Pages of plain words: what the checks mean and what they cannot tell."""

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from directory.vocab import Verdict

bp = Blueprint("pages", __name__)


@bp.get("/about")
def about() -> ResponseReturnValue:
    """About the checks: each verdict, what is and is not checked, and safety facts."""
    return render_template("pages/about.html", verdicts=list(Verdict))
