"""Forms for writing consultations (manage_views.py)."""

from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import RadioField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from portal.consultations import authoring
from portal.consultations import models as m
from portal.core.forms import DayField, PortalForm, example_day, strip_whitespace

YES, NO = "yes", "no"

SUMMARY_MAX = 1000
EASY_READ_MAX = 5000
BACKGROUND_MAX = 20000
HINT_MAX = 1000
SCALE_LABEL_MAX = 60


def _text(label: str, description: str, *, required: str | None, max_length: int, noun: str, widget=None):
    validators = [DataRequired(message=required)] if required else [Optional()]
    validators.append(Length(max=max_length, message=f"{noun} must be {max_length:,} characters or fewer"))
    return TextAreaField(
        label,
        description=description,
        widget=widget or GovTextArea(),
        filters=[strip_whitespace],
        validators=validators,
    )


class ConsultationForm(PortalForm):
    title = StringField(
        "Title",
        description="Say what the consultation is about in a few words, like \u201cHow named caseworkers should keep in touch\u201d. "
        "While it is a draft, its public address is made from the title.",
        widget=GovTextInput(),
        filters=[strip_whitespace],
        validators=[
            DataRequired(message="Enter the title of the consultation"),
            Length(max=150, message="The title must be 150 characters or fewer"),
        ],
    )
    summary = _text(
        "Summary in plain words",
        "What you are asking and why, in two or three short sentences. It is shown in the list of consultations.",
        required="Enter a summary in plain words",
        max_length=SUMMARY_MAX,
        noun="The summary",
        widget=GovCharacterCount(),
    )
    easy_read = _text(
        "Easy read summary (optional)",
        "When there is one, it is shown first. Use short sentences with one idea each and everyday words.",
        required=None,
        max_length=EASY_READ_MAX,
        noun="The easy read summary",
    )
    background = _text(
        "Full background",
        "Everything people need to know to answer: what happens now, what could change and what has been decided already.",
        required="Enter the full background",
        max_length=BACKGROUND_MAX,
        noun="The background",
    )
    audience = RadioField(
        "Who is it for?",
        description="Only these people can answer. Everyone else can still read it.",
        choices=[
            SelectChoice(m.YOUTH_FORUM, "The youth forum"),
            SelectChoice(m.PARENTS, "Parents and carers"),
            SelectChoice(m.EVERYONE, "Everyone: the youth forum, parents and carers"),
        ],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select who the consultation is for")],
    )
    forum_may_answer = RadioField(
        "Can youth forum members also answer on behalf of the forum?",
        description="Only for a consultation that asks the youth forum. A member can then send the forum\u2019s "
        "collective answer as well as their own.",
        choices=[SelectChoice(YES, "Yes"), SelectChoice(NO, "No")],
        default=NO,
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select yes if youth forum members can answer on behalf of the forum")],
    )
    opens_on = DayField("Opening date", noun="opening date")
    closes_on = DayField("Closing date", noun="closing date")
    submit = SubmitField("Save", widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.opens_on.description = f"People can answer from the start of this day. For example, {example_day(7)}"
        self.closes_on.description = f"People can answer until the end of this day. For example, {example_day(35)}"

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.opens_on.data and self.closes_on.data and self.closes_on.data < self.opens_on.data:
            self.closes_on.errors.append("The closing date must be the same as or after the opening date")
            valid = False
        return valid

    def details(self) -> authoring.Details:
        return authoring.Details(
            title=self.title.data,
            summary=self.summary.data,
            easy_read=self.easy_read.data or None,
            background=self.background.data,
            audience=self.audience.data,
            opens_on=self.opens_on.data,
            closes_on=self.closes_on.data,
            forum_may_answer=self.forum_may_answer.data == YES,
        )

    @classmethod
    def of(cls, consultation: m.Consultation):
        return cls(
            data={
                "title": consultation.title,
                "summary": consultation.summary,
                "easy_read": consultation.easy_read or "",
                "background": consultation.background,
                "audience": consultation.audience,
                "forum_may_answer": YES if consultation.forum_may_answer else NO,
                "opens_on": consultation.opens_on,
                "closes_on": consultation.closes_on,
            }
        )


CHOOSING = (m.CHOOSE_ONE, m.CHOOSE_SEVERAL)


class QuestionForm(PortalForm):
    prompt = StringField(
        "Question",
        description="Ask one thing, in the words people would use, like \u201cHow should your caseworker keep in touch?\u201d.",
        widget=GovTextInput(),
        filters=[strip_whitespace],
        validators=[
            DataRequired(message="Enter the question"),
            Length(max=300, message="The question must be 300 characters or fewer"),
        ],
    )
    hint = _text(
        "Hint (optional)",
        "Shown under the question to help people answer, like \u201cThink about the last time you needed help\u201d.",
        required=None,
        max_length=HINT_MAX,
        noun="The hint",
    )
    kind = RadioField(
        "How do people answer?",
        description="Choose one and choose several need options below; a scale can have words for its ends.",
        choices=[SelectChoice(kind, label) for kind, label in m.KIND_LABELS.items()],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select how people answer the question")],
    )
    required = RadioField(
        "Must people answer it?",
        description="People cannot send their response without answering a required question.",
        choices=[SelectChoice(YES, "Yes, it is required"), SelectChoice(NO, "No, it is optional")],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select whether people must answer the question")],
    )
    options = TextAreaField(
        "Options (for choose one and choose several)",
        description=f"Write each option on its own line: at least {authoring.MIN_OPTIONS}, each different, "
        f"and each {authoring.OPTION_MAX} characters or fewer. They are shown in this order.",
        widget=GovTextArea(),
    )
    scale_low_label = StringField(
        "Words for 1, the low end",
        description="For example, \u201cNot at all\u201d.",
        widget=GovTextInput(),
        filters=[strip_whitespace],
        validators=[
            Optional(),
            Length(max=SCALE_LABEL_MAX, message=f"The words for 1 must be {SCALE_LABEL_MAX} characters or fewer"),
        ],
    )
    scale_high_label = StringField(
        "Words for 5, the high end",
        description="For example, \u201cVery much\u201d.",
        widget=GovTextInput(),
        filters=[strip_whitespace],
        validators=[
            Optional(),
            Length(max=SCALE_LABEL_MAX, message=f"The words for 5 must be {SCALE_LABEL_MAX} characters or fewer"),
        ],
    )
    submit = SubmitField("Save question", widget=GovSubmitInput())

    def validate_options(self, field):
        if self.kind.data in CHOOSING:
            try:
                authoring.parse_options(field.data)
            except authoring.AuthoringError as problem:
                raise ValidationError(problem.problems["options"]) from None

    def details(self) -> authoring.QuestionDetails:
        choosing = self.kind.data in CHOOSING
        return authoring.QuestionDetails(
            prompt=self.prompt.data,
            hint=self.hint.data or None,
            kind=self.kind.data,
            required=self.required.data == YES,
            options=tuple(authoring.parse_options(self.options.data)) if choosing else (),
            scale_low_label=self.scale_low_label.data or None,
            scale_high_label=self.scale_high_label.data or None,
        )

    @classmethod
    def of(cls, question: m.Question):
        return cls(
            data={
                "prompt": question.prompt,
                "hint": question.hint or "",
                "kind": question.kind,
                "required": YES if question.required else NO,
                "options": "\n".join(option.label for option in question.options),
                "scale_low_label": question.scale_low_label or "",
                "scale_high_label": question.scale_high_label or "",
            }
        )


class PublishForm(PortalForm):
    submit = SubmitField("Publish the consultation", widget=GovSubmitInput())
