"""The site's forms (Flask-WTF: every one carries a CSRF token) and their validation."""

from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from directory.moderation import MAX_DETAILS, MAX_NOTE, MAX_REASON
from directory.vocab import FLAG_REASON_LABELS, Decision, FlagReason, Verdict
from web.filters import VERDICT_LABELS

MAX_URL = 1000
MAX_EMAIL = 254


def http_url(_form: FlaskForm, field: StringField) -> None:
    """An evidence link must be a web address (http or https) with a host."""
    if not field.data:
        return
    parts = urlsplit(field.data)
    if parts.scheme not in {"http", "https"} or not parts.hostname or " " in field.data:
        raise ValidationError(
            _l(
                "Enter a web address starting with http:// or https://, for example "
                "https://www.example-board.gov/lookup?licence=Q1234."
            )
        )


class FlagForm(FlaskForm):  # type: ignore[misc]
    """An advocate's report about a listing. `website` is a honeypot: people leave it empty."""

    reason = RadioField(
        _l("What is wrong with this listing?"),
        choices=[
            SelectChoice(reason.value, _l(label)) for reason, label in FLAG_REASON_LABELS.items()
        ],
        validators=[InputRequired(_l("Choose what is wrong with this listing."))],
    )
    details = TextAreaField(
        _l("Details"),
        filters=[lambda text: (text or "").strip()],
        validators=[
            Length(
                max=MAX_DETAILS,
                message=_l(
                    "Keep the details under %(max)d characters "
                    "(put long documents behind a link instead)."
                ),
            )
        ],
    )
    evidence_url = StringField(
        _l("Link to evidence (optional)"),
        filters=[lambda text: (text or "").strip() or None],
        validators=[
            Optional(),
            Length(max=MAX_URL, message=_l("Links can be at most %(max)d characters.")),
            http_url,
        ],
    )
    contact_email = EmailField(
        _l("Your email, if we may contact you (optional)"),
        filters=[lambda text: (text or "").strip() or None],
        validators=[
            Optional(),
            Length(max=MAX_EMAIL, message=_l("That email address is too long.")),
            Email(_l("Enter an email address like name@example.org, or leave it empty.")),
        ],
    )
    website = StringField(_l("Leave this field empty"))

    def validate_details(self, field: TextAreaField) -> None:
        """ "Something else" needs a word on what it is."""
        if self.reason.data == FlagReason.OTHER and not field.data:
            raise ValidationError(_l("Tell us what is wrong when you choose “Something else”."))


class LoginForm(FlaskForm):  # type: ignore[misc]
    """A maintainer signs in."""

    email = EmailField(_l("Email"), validators=[DataRequired(_l("Enter your email address."))])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])


class ReasonForm(FlaskForm):  # type: ignore[misc]
    """A maintainer's action that needs a reason (dismiss, hide, restore)."""

    reason = TextAreaField(
        _l("Reason (kept with the decision)"),
        validators=[
            DataRequired(_l("Give a reason; it is kept with the decision.")),
            Length(max=MAX_REASON, message=_l("Keep the reason under %(max)d characters.")),
        ],
    )


class ConfirmForm(ReasonForm):
    """Confirm a flag by setting the listing's verdict."""

    verdict = SelectField(
        _l("Verdict to show"),
        choices=[SelectChoice(verdict.value, VERDICT_LABELS[verdict]) for verdict in Verdict],
        validators=[InputRequired(_l("Choose the verdict to show."))],
    )


class MergeForm(ReasonForm):
    """Merge a duplicate listing into the one kept."""

    kept_id = StringField(
        _l("Number of the listing to keep"),
        validators=[DataRequired(_l("Enter the number of the listing to keep."))],
    )

    def validate_kept_id(self, field: StringField) -> None:
        """A listing number is a whole number."""
        if not (field.data or "").strip().isdigit():
            raise ValidationError(_l("A listing number is a whole number, such as 12."))


class RecheckForm(FlaskForm):  # type: ignore[misc]
    """Re-run the licensing check on a listing now (a button; the token is all it carries)."""


class CandidateForm(FlaskForm):  # type: ignore[misc]
    """Confirm or reject a candidate licence match; the button pressed gives the decision."""

    decision = SelectField(
        _l("Decision"),
        choices=[decision.value for decision in Decision],
        validators=[InputRequired(_l("Choose to confirm or to reject the match."))],
    )
    note = TextAreaField(
        _l("Note (optional, kept with the decision)"),
        filters=[lambda text: (text or "").strip()],
        validators=[Length(max=MAX_NOTE, message=_l("Keep the note under %(max)d characters."))],
    )
