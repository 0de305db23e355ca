from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
)
from wtforms import (
    FieldList,
    FileField,
    FormField,
    RadioField,
    SelectField,
    SelectMultipleField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from portal.casework.models import CaseOutcome, OmbudsmanReferral, Remedy
from portal.casework.services import CHOSEN_NOT_COMPLAINT_REASONS, RemedyRow
from portal.core import procedures
from portal.core.forms import DayField, DayInput, PortalForm, WholeNumberField, strip_whitespace
from portal.core.time import london_today
from portal.feedback.models import CONSENT_BY_DOCUMENT, CONSENT_BY_PHONE, STAFF_CHANNELS, Adjustment

CONSENT_FORM_CHOICES = {
    CONSENT_BY_PHONE: "The family gave it on a call",
    CONSENT_BY_DOCUMENT: "A signed consent document on the case has been checked and accepted",
}


def _text(label, description="", required=None, rows_max=10000):
    validators = [InputRequired(message=required)] if required else [Optional()]
    return TextAreaField(
        label,
        description=description,
        widget=GovTextArea(),
        filters=[strip_whitespace],
        validators=[*validators, Length(max=rows_max, message=f"{label} must be {rows_max} characters or fewer")],
    )


class AcknowledgeForm(PortalForm):
    body = _text(
        "Message to the family", "Sent by email and shown on their case page.", "Enter the message to the family"
    )
    # A complaint's acknowledgement sets out the council's understanding (Code 5.2, 6.2); the
    # page removes these two for other feedback.
    understanding = _text(
        "What we understand the complaint to be",
        "In plain words, each point the family raised. Sent after the message above: check it, or edit it.",
        "Enter what you understand the complaint to be",
    )
    outcome = _text(
        "What the family would like to happen",
        "As you understand it. Sent with the acknowledgement.",
        "Enter what the family would like to happen",
    )
    submit = SubmitField("Acknowledge and send", widget=GovSubmitInput())


class ReplyForm(PortalForm):
    body = _text(
        "Reply to the family",
        "A holding reply. The route onwards (stage 2, or the Ombudsman) goes with the response you record.",
        "Enter your reply",
    )
    evidence = FileField(
        "Attach a file (optional)", description="PDF, JPEG, PNG or Word (DOCX), up to 10MB.", widget=GovFileInput()
    )
    submit = SubmitField("Send reply", widget=GovSubmitInput())


class NoteForm(PortalForm):
    body = _text("Internal note", "Only staff see notes. They are never sent to the family.", "Enter the note")
    submit = SubmitField("Add note", widget=GovSubmitInput())


class ReachedForm(PortalForm):
    body = _text(
        "How did you reach the family?",
        "A message to them could not be delivered. This is kept as an internal note.",
        "Enter how you reached the family",
    )
    submit = SubmitField("Record it", widget=GovSubmitInput())


class RequestInformationForm(PortalForm):
    body = _text(
        "What do you need from the family?",
        "Sent by email and shown on their case page.",
        "Enter what you need from the family",
    )
    submit = SubmitField("Send request", widget=GovSubmitInput())


class ExtendForm(PortalForm):
    working_days = WholeNumberField(
        "How many more working days?",
        noun="number of working days",
        least=1,
        most=65,
        description="The new date goes to the family with the reason and the Ombudsman's details.",
    )
    reason = _text(
        "Why do you need more time?",
        "Sent to the family with the Ombudsman's details.",
        "Enter the reason for the extension",
    )
    submit = SubmitField("Extend deadline", widget=GovSubmitInput())


REMEDY_ROWS = 3


class RemedyRowForm(PortalForm):
    """One promised remedy; the outcome page shows REMEDY_ROWS of them."""

    class Meta:
        csrf = False

    kind = SelectField(
        "Remedy",
        choices=[SelectChoice("", "None")] + [SelectChoice(value, label) for value, label in Remedy.KINDS.items()],
        widget=GovSelect(),
        validators=[Optional()],
    )
    description = _text("What exactly?", rows_max=1000)
    # DayField keeps its three boxes whatever was sent, so a crafted post without them
    # re-shows the form instead of failing to draw it.
    due_on = DayField("By when", noun="date the remedy is due", required=False)

    def as_typed(self) -> RemedyRow:
        """The row for services.record_outcome, which decides whether it is a promise and puts
        any problem, naming the row, beside the part of it that is wrong."""
        problem_in, problem = ("kind", None) if self.validate() else self._problem()
        for field in self:  # what the form found is passed on, so it is not shown twice
            field.errors = []
        return RemedyRow(
            kind=self.kind.data or "",
            description=self.description.data or "",
            due_on=self.due_on.data,
            due_on_typed=any(self.due_on.raw_data or ()),
            problem=problem,
            problem_in=problem_in,
        )

    def _problem(self) -> tuple[str, str]:
        """What the form could not read in the row, the date first, and where."""
        if self.due_on.errors:
            return "due_on", "enter the date as a real date, for example 27 3 2027"
        name, errors = next(iter(self.errors.items()))
        return name, errors[0]


class RemedyRows(FieldList):
    """The outcome page's remedy rows, named remedy-0-kind and so on (services.remedy_field).
    They are judged with the rest of the response when it is recorded, so the form does not
    validate them itself; a message put on one of their fields shows beside it and, through
    ``errors``, in the error summary, whose link to a date goes to its day box."""

    def validate(self, form, extra_validators=()):
        return True

    @property
    def errors(self):
        rows = [
            {
                f"{name}-day" if isinstance(row[name].widget, DayInput) else name: found
                for name, found in row.errors.items()
            }
            for row in self.entries
        ]
        return rows if any(rows) else []


class OutcomeForm(PortalForm):
    outcome = RadioField(
        "What is your finding?",
        description="For a complaint, say whether it is upheld.",
        choices=[SelectChoice(value, label) for value, label in CaseOutcome.LABELS.items()],
        widget=GovRadioInput(),
        validators=[Optional()],
    )
    complaint = _text(
        "The complaint, as we understand it",
        "From the acknowledgement. Each point the family raised: the response answers each one.",
        rows_max=5000,
    )
    summary = _text(
        "Your response",
        "Address each point the family raised and say what will happen. Sent to the family.",
        "Enter the response to send to the family",
    )
    # What the council will do; the page removes these for feedback that is not a complaint.
    remedy = RemedyRows(FormField(RemedyRowForm), min_entries=REMEDY_ROWS, max_entries=REMEDY_ROWS)
    still_to_do = _text(
        "Anything still to do (optional)",
        "What is not finished yet, who is doing it and by when. Sent to the family.",
        rows_max=2000,
    )
    themes = SelectMultipleField(
        "What can the council learn from this? (optional)",
        description="Select the themes that apply. They are counted in You said, we did.",
        widget=GovCheckboxesInput(),
        coerce=int,
        validators=[Optional()],
    )
    preview = SubmitField("Preview the response", widget=GovSubmitInput())
    submit = SubmitField("Record and send response", widget=GovSubmitInput())


class CloseForm(PortalForm):
    submit = SubmitField("Close case", widget=GovSubmitInput())


class ReopenForm(PortalForm):
    reason = _text(
        "Why are you reopening the case?", "Kept as an internal note.", "Enter why the case is being reopened"
    )
    submit = SubmitField("Reopen case", widget=GovSubmitInput())


class TransferForm(PortalForm):
    caseworker = SelectField(
        "Caseworker",
        description="Or leave as none and choose a team's queue.",
        widget=GovSelect(),
        validators=[Optional()],
    )
    team = SelectField(
        "Team", description="Used when no caseworker is chosen.", widget=GovSelect(), validators=[Optional()]
    )
    reason = _text("Why?", "Recorded in the case history.", "Enter why the case is being transferred")
    submit = SubmitField("Transfer case", widget=GovSubmitInput())


class NotComplaintForm(PortalForm):
    reason = RadioField(
        "Why is this not a complaint?",
        description="The case leaves the complaints procedure and its clocks stop.",
        choices=[SelectChoice(value, label) for value, label in CHOSEN_NOT_COMPLAINT_REASONS.items()],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select why this is not a complaint")],
    )
    signposting = _text(
        "What should the family do instead?", "Sent to the family.", "Enter what the family should do instead"
    )
    submit = SubmitField("Send and close", widget=GovSubmitInput())


NEW_ADJUSTMENT = "new"


class ProcedureForm(PortalForm):
    procedure = RadioField(
        "Which procedure should this complaint follow?",
        choices=[SelectChoice(key, label) for key, label in procedures.LABELS.items()],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select a complaints procedure")],
    )
    reason = _text(
        "Why?", "Recorded in the case history. The family is told which procedure it now follows.", "Enter why"
    )
    submit = SubmitField("Change the procedure", widget=GovSubmitInput())


class AdjustmentForm(PortalForm):
    which = RadioField(
        "Which support is this about?",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select the support to update, or something new")],
    )
    kind = SelectField(
        "What kind of support? (for something new)",
        choices=[SelectChoice("", "Choose one")]
        + [SelectChoice(key, label) for key, label in Adjustment.KINDS.items()],
        widget=GovSelect(),
        validators=[Optional()],
    )
    detail = _text("Details (optional)", "For example, the language, or when and how to contact them.", rows_max=1000)
    status = RadioField(
        "Where has it got to?",
        choices=[SelectChoice(key, label) for key, label in Adjustment.STATUSES.items()],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select whether it is asked for, arranged or not possible")],
    )
    reason = _text("Why is it not possible?", "Only if it is not possible. Sent to the family.", rows_max=2000)
    review_on = DayField(
        "When should it be looked at again? (optional)",
        description="For example, before the next meeting.",
        noun="review date",
        required=False,
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


class RemedyUpdateForm(PortalForm):
    remedy = RadioField(
        "Which promise is this about?",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select the remedy to update")],
    )
    what = RadioField(
        "What has happened?",
        choices=[SelectChoice("done", "It has been done"), SelectChoice("changed", "It has changed")],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select whether it has been done or has changed")],
    )
    on = DayField("When was it done?", description="Only if it has been done.", noun="date it was done", required=False)
    new_due_on = DayField(
        "The new date it will be done by (optional)",
        description="Only if it has changed.",
        noun="new date",
        required=False,
    )
    note = _text(
        "What should the family know?",
        "Sent to the family with the update. Needed if it has changed: say what and why.",
        rows_max=5000,
    )
    submit = SubmitField("Send the update", widget=GovSubmitInput())


class AboutStaffForm(PortalForm):
    person = SelectField(
        "Who is the complaint about?",
        description="They will no longer see this case, and it cannot be given to them.",
        widget=GovSelect(),
        validators=[InputRequired(message="Select the member of staff the complaint is about")],
    )
    reason = _text(
        "What does the complaint say about them?",
        "An internal note: the family does not see it.",
        "Enter what the complaint says about them",
    )
    submit = SubmitField("Mark the complaint", widget=GovSubmitInput())


class LateComplaintForm(PortalForm):
    decision = RadioField(
        "Will the council look at this complaint?",
        description="The Code expects complaints within 12 months of the family knowing of the problem, "
        "unless there is good reason to look at it now.",
        choices=[
            SelectChoice("accept", "Yes, there is good reason to look at it now"),
            SelectChoice("refuse", "No, it is too late to look at it"),
        ],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select whether the council will look at this complaint")],
    )
    reason = _text(
        "The reason for the decision",
        "If the council will not look at it, this is sent to the family with the Ombudsman's details.",
        "Enter the reason for the decision",
    )
    submit = SubmitField("Record the decision", widget=GovSubmitInput())


class Stage2RequestForm(PortalForm):
    requested_on = DayField(
        "When did the family ask for the next stage?",
        description="The stage 2 clock runs from this day. For example, the date of the call or the letter.",
        noun="date the family asked",
    )
    channel = RadioField(
        "How did they ask?",
        choices=[SelectChoice(value, label) for value, label in STAFF_CHANNELS.items()],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select how the family asked")],
    )
    what_they_said = _text(
        "What did they say? (optional)",
        "Why they are unhappy with the stage 1 response, in their words. The family sees this on their case page.",
        rows_max=5000,
    )
    submit = SubmitField("Record the request", widget=GovSubmitInput())


class ConsentForm(PortalForm):
    method = RadioField(
        "How did the family give their consent?",
        choices=[SelectChoice(value, label) for value, label in CONSENT_FORM_CHOICES.items()],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select how the family gave their consent")],
    )
    given_on = DayField(
        "When did they give it?",
        description="The day of the call, or the date on the signed document. For example, 27 11 2026.",
        noun="date consent was given",
    )
    # Offered when the family or their representative sent files (with the feedback, on the
    # case page or by email): the one that is the signed consent. Choices come from the case.
    document = RadioField(
        "Which file is the signed consent?",
        description="Only if a signed document is how they gave it.",
        choices=[],
        widget=GovRadioInput(),
        validators=[Optional()],
    )
    submit = SubmitField("Record consent", widget=GovSubmitInput())

    def validate_given_on(self, field):
        if field.data and field.data > london_today():
            raise ValidationError("The date consent was given must be today or in the past")


class OmbudsmanForm(PortalForm):
    notified_on = DayField(
        "When did the council hear that the family had gone to the Ombudsman?",
        description="For example, the date of the Ombudsman's first letter or email.",
        noun="date the council heard of it",
    )
    decision = RadioField(
        "What has the Ombudsman decided?",
        description="Come back and change this when the decision arrives.",
        choices=[SelectChoice(value, label) for value, label in OmbudsmanReferral.DECISIONS.items()],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select what the Ombudsman has decided")],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())
