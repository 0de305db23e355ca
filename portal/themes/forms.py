"""The form managers name a learning theme with (the pages are casework's manage_views.py)."""

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from portal.core.forms import PortalForm, strip_whitespace


class ThemeForm(PortalForm):
    name = StringField(
        "Name of the theme",
        description="What the council can learn from, like \u201cCommunication and keeping families informed\u201d.",
        widget=GovTextInput(),
        filters=[strip_whitespace],
        validators=[
            DataRequired(message="Enter the name of the theme"),
            Length(max=100, message="Name must be 100 characters or fewer"),
        ],
    )
    submit = SubmitField("Save theme", widget=GovSubmitInput())
