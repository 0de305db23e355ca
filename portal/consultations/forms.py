"""Forms for the public board: answering a consultation (built from its questions when the
page is asked for), sending the answers from the check-your-answers page, and commenting on
an answer."""

from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovSubmitInput,
)
from wtforms import BooleanField, HiddenField, RadioField, SelectMultipleField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from portal.consultations.answering import ANSWER_MAX, COMMENT_MAX
from portal.consultations.models import (
    CHOOSE_ONE,
    CHOOSE_SEVERAL,
    FREE_TEXT,
    PRIVATE,
    PUBLIC,
    SCALE,
    SCALE_POINTS,
    Answer,
    Question,
    Response,
)
from portal.core.forms import PortalForm, strip_whitespace, whole_number

NOT_OFFERED = "Choose one of the answers shown"


def field_name(question: Question) -> str:
    return f"question_{question.id}"


def scale_hint(question: Question) -> str:
    low = question.scale_low_label or "the lowest"
    high = question.scale_high_label or "the highest"
    return f"1 means {low[0].lower() + low[1:]}, 5 means {high[0].lower() + high[1:]}."


def required_message(question: Question) -> str:
    """The error next to a required question left unanswered, naming the question."""
    if question.kind == FREE_TEXT:
        return f"Enter your answer to \u201c{question.prompt}\u201d"
    if question.kind == CHOOSE_SEVERAL:
        return f"Select at least one answer to \u201c{question.prompt}\u201d"
    return f"Select an answer to \u201c{question.prompt}\u201d"


def _label(question: Question) -> str:
    return question.prompt if question.required else f"{question.prompt} (optional)"


def _field_for(question: Question):
    """The field for one question. None is required here: "Save and finish later" keeps
    whatever is there; "Continue" checks the required ones before the answers are shown to
    be checked, and answering.submit checks them again when they are sent."""
    if question.kind == FREE_TEXT:
        return TextAreaField(
            _label(question),
            description=question.hint or None,
            widget=GovCharacterCount(),
            filters=[strip_whitespace],
            validators=[
                Optional(),
                Length(max=ANSWER_MAX, message=f"Your answer must be {ANSWER_MAX} characters or fewer"),
            ],
        )
    if question.kind == SCALE:
        return RadioField(
            _label(question),
            description=" ".join(filter(None, [question.hint, scale_hint(question)])),
            choices=[SelectChoice(str(point), str(point)) for point in SCALE_POINTS],
            widget=GovRadioInput(),
            validators=[Optional()],
            invalid_choice_message=NOT_OFFERED,
        )
    choices = [SelectChoice(str(option.id), option.label) for option in question.options]
    if question.kind == CHOOSE_SEVERAL:
        return SelectMultipleField(
            _label(question),
            description=question.hint or "Select all that apply.",
            choices=choices,
            widget=GovCheckboxesInput(),
            validators=[Optional()],
        )
    return RadioField(
        _label(question),
        description=question.hint or "Choose one.",
        choices=choices,
        widget=GovRadioInput(),
        validators=[Optional()],
        invalid_choice_message=NOT_OFFERED,
    )


class AnswerForm(PortalForm):
    """Every question of one consultation, who can see the answers, and two buttons: on to
    check the answers, or save them to finish later. Made by answer_form(), which adds a
    field per question."""

    questions: list[Question] = []

    def question_fields(self):
        """(question, field) pairs in the order they are asked."""
        return [(question, self[field_name(question)]) for question in self.questions]

    def answers(self) -> dict:
        """What was typed or chosen, by question id, as answering.save_draft takes it."""
        values = {}
        for question, field in self.question_fields():
            if question.kind == CHOOSE_SEVERAL:
                values[question.id] = [number for number in map(whole_number, field.data or []) if number is not None]
            elif question.kind in (CHOOSE_ONE, SCALE):
                values[question.id] = whole_number(field.data)
            else:
                values[question.id] = field.data or None
        return values

    @property
    def checking(self) -> bool:
        """Whether the person pressed "Continue" (on to check the answers before sending)."""
        return bool(self.check.data)

    def show_missing(self, missing: list[Question], visibility_missing: bool) -> None:
        """Put "answer this" next to each required question left empty (and the visibility),
        unless the field already says what is wrong with it."""
        for question in missing:
            field = self[field_name(question)]
            if not field.errors:
                field.errors = [*field.errors, required_message(question)]
        if visibility_missing and not self.visibility.errors:
            self.visibility.errors = [*self.visibility.errors, "Select who can see your answers"]


def answer_form(questions: list[Question], **kwargs) -> AnswerForm:
    """An AnswerForm for these questions. Fields are made in the order they are shown, so
    the error summary lists problems in the same order as the page."""
    attributes = {field_name(question): _field_for(question) for question in questions}
    attributes["visibility"] = RadioField(
        "Who can see your answers?",
        description="Whichever you choose, the council reads your answers and counts them in the results.",
        choices=[SelectChoice(PUBLIC, "Everyone (public)"), SelectChoice(PRIVATE, "Only council staff (private)")],
        widget=GovRadioInput(),
        validators=[Optional()],
        invalid_choice_message="Select who can see your answers",
    )
    attributes["learning_updates"] = BooleanField(
        "Email me when the council publishes a change my answers helped to bring about",
        description="We publish what we changed each term in “You said, we did”. You can stop these emails at any time.",
        widget=GovCheckboxInput(),
    )
    attributes["check"] = SubmitField("Continue", widget=GovSubmitInput())
    attributes["save"] = SubmitField("Save and finish later", widget=GovSubmitInput())
    form_class = type("ConsultationAnswerForm", (AnswerForm,), attributes)
    form_class.questions = list(questions)
    return form_class(**kwargs)


def draft_data(response: Response | None, questions: list[Question]) -> dict:
    """A saved response as form data, to fill the form in again."""
    if response is None:
        return {}
    data = {"visibility": response.visibility, "learning_updates": response.wants_learning_updates}
    asked = {question.id: question for question in questions}
    for answer in response.answers:
        if answer.question_id in asked:
            data[field_name(asked[answer.question_id])] = _answer_value(asked[answer.question_id], answer)
    return data


def _answer_value(question: Question, answer: Answer):
    if question.kind == FREE_TEXT:
        return answer.text
    if question.kind == SCALE:
        return str(answer.scale) if answer.scale else None
    ids = [str(option.id) for option in answer.choices]
    return ids if question.kind == CHOOSE_SEVERAL else (ids[0] if ids else None)


class SendAnswersForm(PortalForm):
    """The button on the check-your-answers page. ``saved_at`` is when the answers shown were
    saved, so answers changed meanwhile (in another tab) are shown again, not sent unseen."""

    saved_at = HiddenField()
    send = SubmitField("Send answers", widget=GovSubmitInput())


class CommentForm(PortalForm):
    body = TextAreaField(
        "Your comment",
        description="A moderator checks every comment before it appears. Do not include anyone's name or personal details.",
        widget=GovCharacterCount(),
        filters=[strip_whitespace],
        validators=[
            DataRequired(message="Enter your comment"),
            Length(max=COMMENT_MAX, message=f"Your comment must be {COMMENT_MAX} characters or fewer"),
        ],
    )
    submit = SubmitField("Send comment", widget=GovSubmitInput())
