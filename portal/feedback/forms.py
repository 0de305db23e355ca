"""One form per question page. Field names are the keys of the draft's answers."""

from datetime import date

from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    DateField,
    FileField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.fields.core import UnboundField
from wtforms.validators import Email, InputRequired, Length, Optional, ValidationError

from portal.core.forms import DayField, PortalForm, strip_whitespace
from portal.core.time import london_today
from portal.feedback import journey
from portal.feedback.kind_words import words_for
from portal.feedback.models import COMPLAINT, REPRESENTATIVES, SPEAKER_LABELS, STAFF_CHANNELS, YOUNG_PERSON

WHAT_HAPPENED_MAX = 5000
OUTCOME_MAX = 2000


def _choices(mapping: dict) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in mapping.items()]


def email_field(label: str, description: str | None = None, required: str | None = None) -> StringField:
    """An email address question: trimmed, lower-cased and checked the same way everywhere;
    ``required`` is the message when it is left out (optional without it)."""
    return StringField(
        label,
        description=description or "",
        widget=GovTextInput(),
        filters=[strip_whitespace, lambda v: v.lower() if isinstance(v, str) else v],
        validators=[
            InputRequired(message=required) if required else Optional(),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            Email(
                message="Enter an email address in the correct format, like name@example.org",
                check_deliverability=False,
            ),
        ],
    )


def full_name_field() -> StringField:
    """The person's own full name, asked the same way of a family and of a representative."""
    return StringField(
        "Your full name",
        widget=GovTextInput(),
        filters=[strip_whitespace],
        validators=[
            InputRequired(message="Enter your full name"),
            Length(max=120, message="Your name must be 120 characters or fewer"),
        ],
    )


class StepForm(PortalForm):
    """A question page's form: reads its fields from the answers and writes them back."""

    submit = SubmitField("Continue", widget=GovSubmitInput())

    # Answers recorded whenever this page is sent, such as "this page was seen".
    marks: dict = {}

    @classmethod
    def from_answers(cls, answers: dict, **kwargs):
        """The form filled in with the draft's answers (on GET) or with what was sent (on POST).
        Answers keep dates as ISO text; date fields want dates."""
        data = dict(answers)
        for name in dir(cls):
            unbound = getattr(cls, name, None)
            if isinstance(unbound, UnboundField) and issubclass(unbound.field_class, DateField):
                value = data.get(name)
                data[name] = date.fromisoformat(value) if isinstance(value, str) and value else None
        return cls(data=data, **kwargs)

    def answers(self) -> dict:
        values = {}
        for name, field in self._fields.items():
            if name in ("submit", "csrf_token") or isinstance(field, FileField):
                continue
            values[name] = field.data.isoformat() if isinstance(field.data, date) else field.data
        return {**values, **self.marks}


class KindForm(StepForm):
    kind = RadioField(
        "What would you like to do?",
        description="You can tell us about anything to do with services for children and young people with additional needs.",
        choices=_choices(journey.KINDS),
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select what you would like to do")],
    )


class SafetyForm(StepForm):
    worried = RadioField(
        "Are you worried that a child or young person is at risk of harm?",
        description="For example, you think they are being hurt, neglected or are not safe at home or somewhere else.",
        choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No")],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select yes if you are worried that a child is at risk of harm")],
    )


class UrgentSeenForm(StepForm):
    submit = SubmitField("Continue to tell us as well", widget=GovSubmitInput())
    marks = {"urgent_seen": True}


class CategoryForm(StepForm):
    category_id = RadioField(
        "What is it about?",
        description="Choose the one that fits best. If none do, choose Other. EHC means education, health and care.",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select what your feedback is about")],
    )


class TriageForm(StepForm):
    triage = RadioField(
        "Is your complaint about one of these?",
        description="Some decisions can be changed through an appeal rather than a complaint. "
        "An EHC plan is an education, health and care plan.",
        choices=_choices(journey.TRIAGE_CHOICES),
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select what your complaint is about, or None of these")],
    )


class RouteForm(StepForm):
    # Optional, but never half filled in: "11 2026" with no day is an error, not dropped.
    decision_letter_date = DayField(
        "When was the decision letter dated? (optional)",
        description="For example, 27 9 2026. Leave this blank if you do not know.",
        noun="date of the decision letter",
        required=False,
    )
    submit = SubmitField("Continue with my complaint", widget=GovSubmitInput())
    marks = {"route_seen": True}

    def validate_decision_letter_date(self, field):
        if field.data and field.data > london_today():
            raise ValidationError("The date of the decision letter must be today or in the past")


class DetailsForm(StepForm):
    what_happened = TextAreaField(
        "Tell us what happened",
        description="Include dates, names of services and anything you have already tried. Do not include medical records here: you can upload documents later.",
        widget=GovCharacterCount(),
        filters=[strip_whitespace],
        validators=[
            InputRequired(message="Enter what happened"),
            Length(max=WHAT_HAPPENED_MAX, message=f"What happened must be {WHAT_HAPPENED_MAX} characters or fewer"),
        ],
    )
    outcome_wanted = TextAreaField(
        "What would you like to happen?",
        description="For example, an apology, a decision looked at again, a meeting, or a change for other families.",
        widget=GovCharacterCount(),
        filters=[strip_whitespace],
        # No Optional(): it would stop the chain before validate_outcome_wanted, which makes
        # this answer required for a complaint.
        validators=[
            Length(max=OUTCOME_MAX, message=f"What you would like to happen must be {OUTCOME_MAX} characters or fewer"),
        ],
    )
    problem_known_on = DayField(
        "When did you first know about the problem? (optional)",
        description="For example, 15 3 2026. If you are not sure of the day, give the first of the month.",
        noun="date you first knew about the problem",
        required=False,
    )

    def __init__(self, *args, complaint: bool = False, kind: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        words = words_for(kind or (COMPLAINT if complaint else None))
        self.what_happened.label.text = words.details_label
        self.what_happened.description = words.details_hint
        # A list of this field's own: the class's validators are shared by every form.
        self.what_happened.validators = [
            InputRequired(message=words.details_missing),
            *(v for v in self.what_happened.validators if not isinstance(v, InputRequired)),
        ]
        if not complaint:
            del self.outcome_wanted
            del self.problem_known_on
        else:
            self.outcome_wanted.flags.required = True  # checked by validate_outcome_wanted
        self.complaint = complaint

    def validate_problem_known_on(self, field):
        if field.data and field.data > london_today():
            raise ValidationError("The date you first knew about the problem must be today or in the past")

    def validate_outcome_wanted(self, field):
        if self.complaint and not field.data:
            raise ValidationError("Enter what you would like to happen")


YEAR_GROUPS = (
    ["", "Early years (under 4)", "Reception"]
    + [f"Year {n}" for n in range(1, 14)]
    + [
        "College or training (16 to 25)",
        "Not in school or college",
    ]
)


class ChildForm(StepForm):
    child_name = StringField(
        "First name or initials (optional)",
        description="Only what we need to find the right records. You can leave this blank.",
        widget=GovTextInput(),
        filters=[strip_whitespace],
        validators=[Optional(), Length(max=60, message="First name or initials must be 60 characters or fewer")],
    )
    child_year_group = SelectField(
        "School year (optional)",
        description="The year group they are in now.",
        choices=[SelectChoice(value, value or "Not given") for value in YEAR_GROUPS],
        widget=GovSelect(),
        validators=[Optional()],
    )
    child_setting = StringField(
        "School, college or setting (optional)",
        description="For example, Riverside Primary School.",
        widget=GovTextInput(),
        filters=[strip_whitespace],
        validators=[Optional(), Length(max=120, message="School, college or setting must be 120 characters or fewer")],
    )
    child_has_ehc_plan = RadioField(
        "Do they have an education, health and care (EHC) plan? (optional)",
        description="An EHC plan sets out a child's needs and the support they get.",
        choices=[
            SelectChoice("yes", "Yes"),
            SelectChoice("assessing", "They are being assessed for one"),
            SelectChoice("no", "No"),
            SelectChoice("not_sure", "I'm not sure"),
        ],
        widget=GovRadioInput(),
        validators=[Optional()],
    )
    marks = {"child_seen": True}


YES_NO = [SelectChoice("yes", "Yes"), SelectChoice("no", "No")]


class WhoForm(StepForm):
    speaker = RadioField(
        "Who is giving this feedback?",
        description="Tell us if you are speaking for a family, for example as their advocate, SENDIASS adviser, councillor, MP or solicitor.",
        choices=_choices(SPEAKER_LABELS),
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select who is giving this feedback")],
    )
    young_person_age = RadioField(
        "Is the child or young person aged 16 to 25?",
        description="From 16, a young person can make their own decisions about their support. "
        "If you are the young person, you do not need to answer this.",
        choices=YES_NO,
        widget=GovRadioInput(),
        validators=[Optional()],
    )

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.speaker.data != YOUNG_PERSON and not self.young_person_age.data:
            self.young_person_age.errors = [
                *self.young_person_age.errors,
                "Select yes if the child or young person is aged 16 to 25",
            ]
            valid = False
        return valid

    def answers(self) -> dict:
        values = super().answers()
        if values.get("speaker") == YOUNG_PERSON:
            values["young_person_age"] = ""
        if values.get("speaker") not in REPRESENTATIVES:
            values.update(representative_name="", representative_organisation="", representative_email="", consent="")
        if values.get("young_person_age") != "yes":
            values.update(young_person_direct="", young_person_email="", young_person_parent_acts="")
        return values


CONSENT_CHOICES = {
    "upload": "Yes, I will upload their signed consent now",
    "later": "I will send their consent later",
}
# Staff taking a representative's call record consent they heard, or wait for it.
STAFF_CONSENT_CHOICES = {
    "phone": "The family gave their consent on the call",
    "later": "Consent is still to come",
}


class RepresentativeForm(StepForm):
    representative_name = full_name_field()
    representative_organisation = StringField(
        "Your organisation",
        description="For example, the SENDIASS service, a law firm, or the council or constituency you represent.",
        widget=GovTextInput(),
        filters=[strip_whitespace],
        validators=[
            InputRequired(message="Enter your organisation"),
            Length(max=120, message="Your organisation must be 120 characters or fewer"),
        ],
    )
    representative_email = email_field(
        "Your email address",
        description="We will write to you here once we have the family's consent.",
        required="Enter your email address",
    )
    consent = RadioField(
        "Do you have the family's consent to act for them?",
        description="We cannot share any details of the child or young person with you until we have it.",
        choices=_choices(CONSENT_CHOICES),
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select whether you will upload the family's consent now or send it later")],
    )
    consent_document = FileField(
        "Upload the signed consent (if you have it now)",
        description="PDF, JPEG, PNG or Word (DOCX), up to 10MB.",
        widget=GovFileInput(),
    )


class YoungPersonForm(StepForm):
    young_person_direct = RadioField(
        "Does the young person want us to contact them directly?",
        choices=YES_NO,
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select yes if the young person wants us to contact them directly")],
    )
    young_person_email = email_field("The young person's email address (if they want us to contact them directly)")
    young_person_parent_acts = RadioField(
        "Does the young person agree that their parent or carer acts for them?",
        description="If they do not, we will not share details of the case with their parent or carer.",
        choices=YES_NO,
        widget=GovRadioInput(),
        validators=[
            InputRequired(message="Select yes if the young person agrees that their parent or carer acts for them")
        ],
    )

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        field = self.young_person_email
        if self.young_person_direct.data == "yes" and not field.data and not field.errors:
            field.errors = [*field.errors, "Enter the young person's email address"]
            valid = False
        return valid

    def answers(self) -> dict:
        values = super().answers()
        if values.get("young_person_direct") != "yes":
            values["young_person_email"] = ""
        return values


class ReplyForm(StepForm):
    reply = RadioField(
        "Do you want a reply?",
        description="We need a way to contact you to reply.",
        choices=[
            SelectChoice("yes", "Yes, I will give my contact details"),
            SelectChoice("no", "No, I want to stay anonymous"),
        ],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select whether you want a reply")],
    )


RELATIONSHIPS = [
    "",
    "Parent",
    "Carer or guardian",
    "Foster carer",
    "Grandparent or relative",
    "The young person themselves",
    "Professional or advocate",
    "Other",
]
CONTACT_METHODS = {"email": "Email", "phone": "Phone", "post": "Post"}


class ContactForm(StepForm):
    contact_name = full_name_field()
    contact_email = email_field("Email address", description="We will send your reference number and replies here.")
    contact_phone = StringField(
        "Phone number",
        description="For international numbers include the country code.",
        widget=GovTextInput(),
        filters=[strip_whitespace],
        validators=[Optional(), Length(max=30, message="Phone number must be 30 characters or fewer")],
    )
    contact_address = TextAreaField(
        "Postal address (optional)",
        description="For replies by post or in large print. Put each part of the address on its own line.",
        widget=GovTextArea(),
        filters=[strip_whitespace],
        validators=[Optional(), Length(max=250, message="Postal address must be 250 characters or fewer")],
    )
    relationship = SelectField(
        "Your relationship to the child or young person",
        choices=[SelectChoice(value, value or "Choose one") for value in RELATIONSHIPS],
        widget=GovSelect(),
        validators=[InputRequired(message="Select your relationship to the child or young person")],
    )
    preferred_contact = RadioField(
        "How should we contact you?",
        description="We will use this for replies about your feedback.",
        choices=_choices(CONTACT_METHODS),
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select how we should contact you")],
    )

    def validate_contact_phone(self, field):
        if field.data:
            digits = "".join(ch for ch in field.data if ch.isdigit())
            allowed = set("0123456789 +()-")
            if not set(field.data) <= allowed or not 10 <= len(digits) <= 15:
                raise ValidationError("Enter a phone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192")

    def validate_relationship(self, field):
        if not field.data:
            raise ValidationError("Select your relationship to the child or young person")

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if not self.contact_email.data and not self.contact_phone.data and not self.contact_email.errors:
            self.contact_email.errors = [*self.contact_email.errors, "Enter an email address or a phone number"]
            valid = False
        method = self.preferred_contact.data
        if method == "email" and not self.contact_email.data and not self.contact_email.errors:
            self.contact_email.errors = [
                *self.contact_email.errors,
                "Enter an email address, or choose to be contacted by phone",
            ]
            valid = False
        if method == "phone" and not self.contact_phone.data and not self.contact_phone.errors:
            self.contact_phone.errors = [
                *self.contact_phone.errors,
                "Enter a phone number, or choose to be contacted by email",
            ]
            valid = False
        if method == "post" and not self.contact_address.data and not self.contact_address.errors:
            self.contact_address.errors = [
                *self.contact_address.errors,
                "Enter a postal address, or choose to be contacted by email or phone",
            ]
            valid = False
        return valid


def for_a_representative(form: ContactForm) -> None:
    """The contact page as a representative reads it: the family's details, not their own."""
    form.contact_name.label.text = "Full name of the parent, carer or young person"
    form.contact_email.description = "We will send the family their reference number and replies here."
    form.relationship.label.text = "Their relationship to the child or young person"
    form.preferred_contact.label.text = "How should we contact them?"
    form.preferred_contact.description = "We will use this for replies to the family about this feedback."


ADJUSTMENTS = {
    "easy_read": "Easy read letters and emails",
    "large_print": "Large print letters",
    "interpreter": "An interpreter or information in another language",
    "time": "Contact at a particular time",
    "advocate": "An advocate to help me take part",
    "other": "Something else",
}


class AdjustmentsForm(StepForm):
    adjustments = SelectMultipleField(
        "Do you need any support from us? (optional)",
        description="Select all that apply. We will do this every time we contact you.",
        choices=_choices(ADJUSTMENTS),
        widget=GovCheckboxesInput(),
        validators=[Optional()],
    )
    interpreter_language = StringField(
        "Which language?",
        widget=GovTextInput(),
        filters=[strip_whitespace],
        validators=[Optional(), Length(max=60, message="Language must be 60 characters or fewer")],
    )
    preferred_time = StringField(
        "When is best?",
        description="For example, weekday mornings, or after 3pm.",
        widget=GovTextInput(),
        filters=[strip_whitespace],
        validators=[Optional(), Length(max=120, message="When is best must be 120 characters or fewer")],
    )
    other_adjustments = TextAreaField(
        "What do you need?",
        widget=GovTextArea(),
        filters=[strip_whitespace],
        validators=[Optional(), Length(max=1000, message="What you need must be 1000 characters or fewer")],
    )
    marks = {"adjustments_seen": True}

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        chosen = set(self.adjustments.data or [])
        for choice, field, message in (
            ("interpreter", self.interpreter_language, "Enter the language you need"),
            ("time", self.preferred_time, "Enter when is best to contact you"),
            ("other", self.other_adjustments, "Enter what support you need"),
        ):
            if choice in chosen and not field.data:
                field.errors = [*field.errors, message]
                valid = False
        return valid

    def answers(self) -> dict:
        values = super().answers()
        chosen = set(values.get("adjustments") or [])
        # Details for a box that is no longer ticked are dropped, not kept silently.
        for choice, name in (
            ("interpreter", "interpreter_language"),
            ("time", "preferred_time"),
            ("other", "other_adjustments"),
        ):
            if choice not in chosen:
                values[name] = ""
        return values


class EvidenceForm(PortalForm):
    evidence = FileField(
        "Upload a file",
        description="PDF, JPEG, PNG or Word (DOCX), up to 10MB each. You can add up to 5 files.",
        widget=GovFileInput(),
    )
    upload = SubmitField("Upload file", widget=GovSubmitInput())


class ContinueForm(PortalForm):
    """A page whose only action is to go on (or to send)."""

    submit = SubmitField("Continue", widget=GovSubmitInput())


# --- staff logging feedback that arrived another way ------------------------------------------


class StaffCaseForm(
    KindForm,
    SafetyForm,
    CategoryForm,
    TriageForm,
    RouteForm,
    DetailsForm,
    ChildForm,
    WhoForm,
    RepresentativeForm,
    YoungPersonForm,
    ReplyForm,
    ContactForm,
    AdjustmentsForm,
):
    """Every question of the family's journey on one page, for staff taking feedback by phone,
    letter, email or in person, with how and when it really arrived. The questions' rules are
    the journey's own; answers to questions that do not apply (contact details for someone who
    stays anonymous, the triage of a compliment) are not checked, and are dropped on saving."""

    channel = RadioField(
        "How did it reach the council?",
        choices=[SelectChoice(value, label) for value, label in STAFF_CHANNELS.items()],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select how it reached the council")],
    )
    received_on = DayField(
        "When was it received?",
        description="The day of the call, meeting or email, or the day the letter arrived. The Code's clocks run from this day.",
        noun="date it was received",
    )
    decision_letter_date = DayField(
        "When was the decision letter dated? (SEND Tribunal decisions only)",
        description="For example, 27 9 2026. Leave this blank if the family does not know.",
        noun="date of the decision letter",
        required=False,
    )
    evidence = FileField(
        "Attach a file (optional)",
        description="For example, a scan of the letter. PDF, JPEG, PNG or Word (DOCX), up to 10MB.",
        widget=GovFileInput(),
    )
    submit = SubmitField("Log and route the case", widget=GovSubmitInput())
    marks: dict = {}

    # Questions the family reads as "you" read for staff as "the family".
    STAFF_LABELS = {
        "kind": "What kind of feedback is it?",
        "worried": "Is anyone worried that a child or young person is at risk of harm?",
        "triage": "Is the complaint about one of these?",
        "what_happened": "What happened, in the family's words",
        "outcome_wanted": "What would they like to happen?",
        "problem_known_on": "When did the family first know about the problem? (optional)",
        "reply": "Does the family want a reply?",
        "contact_name": "Full name of the person who got in touch",
        "relationship": "Their relationship to the child or young person",
        "preferred_contact": "How should we contact them?",
        "adjustments": "Do they need any support from us? (optional)",
        "speaker": "Who got in touch?",
        "representative_name": "The representative's full name",
        "representative_organisation": "Their organisation",
        "representative_email": "Their email address",
        "consent": "Has the family given their consent for the representative to act for them?",
    }
    REPRESENTATIVE_ONLY = ("representative_name", "representative_organisation", "representative_email", "consent")
    YOUNG_PERSON_ONLY = ("young_person_direct", "young_person_email", "young_person_parent_acts")
    COMPLAINT_ONLY = ("triage", "decision_letter_date", "outcome_wanted", "problem_known_on")
    REPLY_ONLY = (
        "contact_name",
        "contact_email",
        "contact_phone",
        "contact_address",
        "relationship",
        "preferred_contact",
        "adjustments",
        "interpreter_language",
        "preferred_time",
        "other_adjustments",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, complaint=True, **kwargs)
        for name, text in self.STAFF_LABELS.items():
            self[name].label.text = text
        self.reply.choices = [SelectChoice("yes", "Yes"), SelectChoice("no", "No, they want to stay anonymous")]
        self.speaker.description = (
            "If someone speaks for the family, such as an advocate, councillor or MP, choose who."
        )
        self.representative_email.description = "We write to them once the family's consent is recorded."
        for name, missing in (
            ("representative_name", "Enter the representative's full name"),
            ("representative_organisation", "Enter the representative's organisation"),
            ("representative_email", "Enter the representative's email address"),
            ("consent", "Select whether the family has given their consent"),
        ):
            # A list of this field's own: the class's validators are shared by every form.
            self[name].validators = [
                InputRequired(message=missing),
                *(v for v in self[name].validators if not isinstance(v, InputRequired)),
            ]
        self.consent.choices = _choices(STAFF_CONSENT_CHOICES)
        self.consent.description = "We share no details of the child with a representative until consent is recorded."
        del self.consent_document
        if self.received_on.data is None and not self.is_submitted():
            self.received_on.data = london_today()

    def _not_asked(self) -> set[str]:
        """The fields whose question does not apply to what was chosen on this page."""
        answers = {
            "kind": self.kind.data,
            "reply": self.reply.data,
            "triage": self.triage.data,
            "speaker": self.speaker.data,
            "young_person_age": self.young_person_age.data,
        }
        skipped = set()
        if not journey.has_representative(answers):
            skipped.update(self.REPRESENTATIVE_ONLY)
        if not journey.about_a_young_person(answers):
            skipped.update(self.YOUNG_PERSON_ONLY)
        if not journey.is_complaint(answers):
            skipped.update(self.COMPLAINT_ONLY)
        elif answers["triage"] not in journey.TRIBUNAL_ROUTES:
            skipped.add("decision_letter_date")
        if not journey.wants_reply(answers):
            skipped.update(self.REPLY_ONLY)
        return skipped

    def validate(self, extra_validators=None):
        self.complaint = journey.is_complaint({"kind": self.kind.data})
        super().validate(extra_validators)
        for name in self._not_asked():
            self[name].errors = []
        return not any(field.errors for field in self)

    def validate_received_on(self, field):
        if field.data and field.data > london_today():
            raise ValidationError("The date it was received must be today or in the past")

    def answers(self) -> dict:
        values = super().answers()
        for name in ("channel", "received_on"):
            values.pop(name, None)
        return values
