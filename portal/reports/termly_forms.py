"""The form managers write a termly update with (termly_views.py)."""

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea
from wtforms import SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from portal.core.forms import PortalForm, strip_whitespace

TEXT_MAX = 10000
NOTE_MAX = 500


class UpdateForm(PortalForm):
    introduction = TextAreaField(
        "Introduction",
        description="What the term was like, in plain words: what went well, what did not, and what "
        "families told us. The figures below are added from the data. Never name or describe a family, "
        "a child, a school or a member of staff. Leave a blank line between paragraphs.",
        widget=GovTextArea(),
        filters=[strip_whitespace],
        validators=[
            Optional(),
            Length(max=TEXT_MAX, message=f"The introduction must be {TEXT_MAX:,} characters or fewer"),
        ],
    )
    priorities = TextAreaField(
        "Priorities for next term",
        description="What the partnership will work on next term, and how families can take part. "
        "Leave a blank line between paragraphs.",
        widget=GovTextArea(),
        filters=[strip_whitespace],
        validators=[
            Optional(),
            Length(max=TEXT_MAX, message=f"The priorities for next term must be {TEXT_MAX:,} characters or fewer"),
        ],
    )
    note = TextAreaField(
        "What this correction changes",
        description="Shown in the update's history beside the new version's date, for example "
        "\u201cCorrected the number of stage 1 complaints answered on time.\u201d The figures are counted again "
        "as they stand today.",
        widget=GovTextArea(),
        filters=[strip_whitespace],
        validators=[
            Optional(),
            Length(max=NOTE_MAX, message=f"What this correction changes must be {NOTE_MAX:,} characters or fewer"),
        ],
    )
    save = SubmitField("Save draft", widget=GovSubmitInput())
    publish = SubmitField("Publish", widget=GovSubmitInput())
