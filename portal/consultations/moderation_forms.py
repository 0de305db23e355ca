"""Forms for moderation, theme tagging and the outcome (moderation_views.py)."""

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovRadioInput, GovSubmitInput, GovTextArea
from wtforms import RadioField, SelectMultipleField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, ValidationError

from portal.consultations import moderation, outcome
from portal.core.forms import PortalForm, strip_whitespace

REASON_NEEDED = {
    moderation.REDACT: "Give the reason for removing words: the author is told it",
    moderation.HIDE: "Give the reason for hiding it: the author is told it",
    moderation.SAFEGUARD: "Say why a child may be at risk: the children's advice and support service reads it",
}

DECISION_HINTS = {
    moderation.APPROVE: "It is accepted as it is. A public post goes on the board.",
    moderation.REDACT: "Edit the words below to take out what should not be shown, then approve what is left. The removed words are not kept.",
    moderation.HIDE: "It is not shown on the board. The author is told why.",
    moderation.SAFEGUARD: "A child may be at risk. It is never shown, and the children's advice and support service is sent the post and the author's details.",
}


class DecisionForm(PortalForm):
    decision = RadioField(
        "What is your decision?",
        description="You can change a decision later: for example, hide a post you approved.",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select what to do with this post")],
    )
    reason = TextAreaField(
        "Reason",
        description="Needed to remove words, hide or pass to safeguarding. When words are removed or a post is hidden, "
        "the author is told this reason, so write it kindly and plainly.",
        widget=GovTextArea(),
        filters=[strip_whitespace],
        validators=[Length(max=2000, message="The reason must be 2,000 characters or fewer")],
    )
    submit = SubmitField("Save decision", widget=GovSubmitInput())

    # The names of the editable text fields, in the order shown (set by decision_form).
    text_names: list[str] = []

    def validate_reason(self, field):
        needed = REASON_NEEDED.get(self.decision.data)
        if needed and not field.data:
            raise ValidationError(needed)

    @property
    def text_fields(self):
        return [self[name] for name in self.text_names]


def decision_form(texts: list[tuple[str, str, str]]) -> DecisionForm:
    """The decision form for one post. ``texts`` are (field name, label, current words) for
    each piece of text a moderator may edit when removing words; with none, that choice is not
    offered."""

    class Form(DecisionForm):
        pass

    for name, label, current in texts:
        setattr(
            Form,
            name,
            TextAreaField(
                label,
                default=current,
                widget=GovTextArea(),
                filters=[strip_whitespace],
                validators=[Length(max=10000, message="The text must be 10,000 characters or fewer")],
            ),
        )
    Form.text_names = [name for name, _, _ in texts]
    form = Form()
    decisions = [moderation.APPROVE, moderation.HIDE, moderation.SAFEGUARD]
    if texts:
        decisions.insert(1, moderation.REDACT)
    form.decision.choices = [SelectChoice(key, moderation.DECISION_LABELS[key]) for key in decisions]
    return form


class ThemesForm(PortalForm):
    themes = SelectMultipleField(
        "Learning themes",
        description="Select every theme this answer speaks to, or none.",
        widget=GovCheckboxesInput(),
        coerce=int,
        validate_choice=False,  # only active themes are applied: checked by the service
    )
    submit = SubmitField("Save themes", widget=GovSubmitInput())


class OutcomeForm(PortalForm):
    we_asked = TextAreaField(
        "We asked",
        description="What the consultation asked, in a sentence or two.",
        widget=GovTextArea(),
        filters=[strip_whitespace],
        validators=[Length(max=5000, message="\u201cWe asked\u201d must be 5,000 characters or fewer")],
    )
    you_said = TextAreaField(
        "You said",
        description="A fair summary of what people told us, with the numbers. The results are beside this box.",
        widget=GovTextArea(),
        filters=[strip_whitespace],
        validators=[Length(max=10000, message="\u201cYou said\u201d must be 10,000 characters or fewer")],
    )
    we_did = TextAreaField(
        "We did",
        description="What the council decided, and what it will do and by when.",
        widget=GovTextArea(),
        filters=[strip_whitespace],
        validators=[Length(max=10000, message="\u201cWe did\u201d must be 10,000 characters or fewer")],
    )
    save = SubmitField("Save draft", widget=GovSubmitInput())
    publish = SubmitField("Publish outcome", widget=GovSubmitInput())

    def _needed_to_publish(self, field):
        if self.publish.data and not field.data:
            raise ValidationError(outcome.MISSING[field.name])

    validate_we_asked = validate_you_said = validate_we_did = _needed_to_publish
