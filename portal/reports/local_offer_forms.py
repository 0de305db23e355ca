"""The form managers write and publish a year's Local Offer comments summary with."""

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextArea
from wtforms import SelectField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from portal.core.forms import PortalForm, strip_whitespace

TEXT_MAX = 10000
NOTE_MAX = 500
NONE = ""


def _whole_or_none(value):
    return int(value) if value not in (None, NONE) and str(value).isdigit() else None


class LocalOfferForm(PortalForm):
    category_id = SelectField(
        "Which feedback category is about the Local Offer?",
        description="Feedback received in the year in this category is counted.",
        coerce=_whole_or_none,
        widget=GovSelect(),
        validate_choice=True,
    )
    theme_id = SelectField(
        "Which learning theme is about the Local Offer?",
        description="Feedback whose response has this theme, and consultation answers tagged with it, are counted.",
        coerce=_whole_or_none,
        widget=GovSelect(),
        validate_choice=True,
    )
    said = TextAreaField(
        "What people told us (optional)",
        description="A summary, in your words, of what the comments say. Never name or describe a family, a child "
        "or a member of staff. Leave a blank line between paragraphs.",
        widget=GovTextArea(),
        filters=[strip_whitespace],
        validators=[Optional(), Length(max=TEXT_MAX, message=f"The summary must be {TEXT_MAX:,} characters or fewer")],
    )
    response = TextAreaField(
        "The council's response",
        description="What the council is doing about the comments, and when. Needed to publish.",
        widget=GovTextArea(),
        filters=[strip_whitespace],
        validators=[Optional(), Length(max=TEXT_MAX, message=f"The response must be {TEXT_MAX:,} characters or fewer")],
    )
    note = TextAreaField(
        "If this year was published before: what this correction changes",
        description="Shown in the summary's history beside the new version's date. Not needed the first time.",
        widget=GovTextArea(),
        filters=[strip_whitespace],
        validators=[
            Optional(),
            Length(max=NOTE_MAX, message=f"What this correction changes must be {NOTE_MAX:,} characters or fewer"),
        ],
    )
    save = SubmitField("Save draft", widget=GovSubmitInput())
    publish = SubmitField("Save and publish", widget=GovSubmitInput())

    def offer(self, categories, themes) -> None:
        self.category_id.choices = [
            SelectChoice(NONE, "None"),
            *(SelectChoice(str(row.id), row.name) for row in categories),
        ]
        self.theme_id.choices = [SelectChoice(NONE, "None"), *(SelectChoice(str(row.id), row.name) for row in themes)]
