"""The site's forms (Flask-WTF: every one carries a CSRF token) and their validation."""

from urllib.parse import urlsplit

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
            "Enter a web address starting with http:// or https://, for example "
            "https://www.example-board.gov/lookup?licence=Q1234."
        )


class FlagForm(FlaskForm):  # type: ignore[misc]
    """An advocate's report about a listing. `website` is a honeypot: people leave it empty."""

    reason = RadioField(
        "What is wrong with this listing?",
        choices=[SelectChoice(reason.value, label) for reason, label in FLAG_REASON_LABELS.items()],
        validators=[InputRequired("Choose what is wrong with this listing.")],
    )
    details = TextAreaField(
        "Details",
        filters=[lambda text: (text or "").strip()],
        validators=[
            Length(
                max=MAX_DETAILS,
                message=f"Keep the details under {MAX_DETAILS} characters "
                "(put long documents behind a link instead).",
            )
        ],
    )
    evidence_url = StringField(
        "Link to evidence (optional)",
        filters=[lambda text: (text or "").strip() or None],
        validators=[
            Optional(),
            Length(max=MAX_URL, message=f"Links can be at most {MAX_URL} characters."),
            http_url,
        ],
    )
    contact_email = EmailField(
        "Your email, if we may contact you (optional)",
        filters=[lambda text: (text or "").strip() or None],
        validators=[
            Optional(),
            Length(max=MAX_EMAIL, message="That email address is too long."),
            Email("Enter an email address like name@example.org, or leave it empty."),
        ],
    )
    website = StringField("Leave this field empty")

    def validate_details(self, field: TextAreaField) -> None:
        """ "Something else" needs a word on what it is."""
        if self.reason.data == FlagReason.OTHER and not field.data:
            raise ValidationError("Tell us what is wrong when you choose “Something else”.")


class LoginForm(FlaskForm):  # type: ignore[misc]
    """A maintainer signs in."""

    email = EmailField("Email", validators=[DataRequired("Enter your email address.")])
    password = PasswordField("Password", validators=[DataRequired("Enter your password.")])


class ReasonForm(FlaskForm):  # type: ignore[misc]
    """A maintainer's action that needs a reason (dismiss, hide, restore)."""

    reason = TextAreaField(
        "Reason (kept with the decision)",
        validators=[
            DataRequired("Give a reason; it is kept with the decision."),
            Length(max=MAX_REASON, message=f"Keep the reason under {MAX_REASON} characters."),
        ],
    )


class ConfirmForm(ReasonForm):
    """Confirm a flag by setting the listing's verdict."""

    verdict = SelectField(
        "Verdict to show",
        choices=[SelectChoice(verdict.value, VERDICT_LABELS[verdict]) for verdict in Verdict],
        validators=[InputRequired("Choose the verdict to show.")],
    )


class MergeForm(ReasonForm):
    """Merge a duplicate listing into the one kept."""

    kept_id = StringField(
        "Number of the listing to keep",
        validators=[DataRequired("Enter the number of the listing to keep.")],
    )

    def validate_kept_id(self, field: StringField) -> None:
        """A listing number is a whole number."""
        if not (field.data or "").strip().isdigit():
            raise ValidationError("A listing number is a whole number, such as 12.")


class RecheckForm(FlaskForm):  # type: ignore[misc]
    """Re-run the licensing check on a listing now (a button; the token is all it carries)."""


class CandidateForm(FlaskForm):  # type: ignore[misc]
    """Confirm or reject a candidate licence match; the button pressed gives the decision."""

    decision = SelectField(
        "Decision",
        choices=[decision.value for decision in Decision],
        validators=[InputRequired("Choose to confirm or to reject the match.")],
    )
    note = TextAreaField(
        "Note (optional, kept with the decision)",
        filters=[lambda text: (text or "").strip()],
        validators=[Length(max=MAX_NOTE, message=f"Keep the note under {MAX_NOTE} characters.")],
    )
