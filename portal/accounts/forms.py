from govuk_frontend_wtf.wtforms_widgets import (
    GovPasswordInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import PasswordField, RadioField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, Length, ValidationError

from portal.accounts import age_bands, roles
from portal.accounts.passwords import password_problem
from portal.core.forms import PortalForm, WholeNumberField

EMAIL_REQUIRED = "Enter your email address"
EMAIL_FORMAT = "Enter an email address in the correct format, like name@example.org"


def email_field(label="Email address", description="", required=EMAIL_REQUIRED):
    return StringField(
        label,
        description=description,
        widget=GovTextInput(),
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[
            InputRequired(message=required),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            Email(message=EMAIL_FORMAT, check_deliverability=False),
        ],
    )


class NewPasswordMixin:
    """Checks the new password against the rules, and against the person's own name and email."""

    # Words of the person's own that a form without name and email fields checks against.
    known_inputs: tuple[str, ...] = ()

    def validate_password(self, field):
        inputs = tuple(getattr(getattr(self, name, None), "data", None) or "" for name in ("name", "email"))
        inputs += self.known_inputs
        problem = password_problem(field.data or "", user_inputs=inputs)
        if problem:
            raise ValidationError(problem)


def new_password_field(label="Create a password"):
    return PasswordField(
        label,
        description="Use 12 characters or more. Three random words make a strong password.",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter a password")],
    )


class SignInForm(PortalForm):
    email = email_field()
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter your password")],
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class RegisterForm(NewPasswordMixin, PortalForm):
    role = RadioField(
        "Who are you?",
        description="Youth forum accounts are checked by the council before they can post.",
        choices=[
            SelectChoice(roles.PARENT, "A parent or carer"),
            SelectChoice(roles.YOUTH, "A member of the youth forum"),
        ],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select whether you are a parent or carer, or a youth forum member")],
    )
    name = StringField(
        "Your name",
        description="This is how the council will address you.",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter your name"),
            Length(max=120, message="Name must be 120 characters or fewer"),
        ],
    )
    email = email_field(description="We will send you an email to confirm it is yours.")
    password = new_password_field()
    # Kept for youth forum members only (accounts.services.register), and optional.
    age_band = RadioField(
        "If you are joining the youth forum, how old are you? (optional)",
        description="We ask for an age group, not your date of birth. Only the council's staff see it. "
        "Parents and carers can leave this out.",
        choices=[SelectChoice(value, text) for value, text in age_bands.LABELS.items()],
        coerce=lambda value: value or None,
        validate_choice=False,
        widget=GovRadioInput(),
    )
    submit = SubmitField("Create account", widget=GovSubmitInput())

    def validate_age_band(self, field):
        if self.role.data == roles.YOUTH and field.data is not None and field.data not in age_bands.LABELS:
            raise ValidationError("Select your age group, or leave it blank")

    @property
    def chosen_age_band(self) -> str | None:
        return self.age_band.data if self.role.data == roles.YOUTH else None


class ForgottenPasswordForm(PortalForm):
    email = email_field(description="We will email you a link to reset your password.")
    submit = SubmitField("Send reset link", widget=GovSubmitInput())


class ResetPasswordForm(NewPasswordMixin, PortalForm):
    password = new_password_field("New password")
    submit = SubmitField("Save password", widget=GovSubmitInput())


class UserForm(PortalForm):
    """An administrator's form for a new account."""

    name = StringField(
        "Full name",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the person's name"),
            Length(max=120, message="Name must be 120 characters or fewer"),
        ],
    )
    email = email_field(
        description="They will be emailed a link to set their own password.",
        required="Enter the person's email address",
    )
    role = RadioField(
        "Role",
        description="What this person does in the portal.",
        choices=[SelectChoice(value, label) for value, label in roles.LABELS.items()],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select a role")],
    )
    team = SelectField(
        "Team",
        description="Caseworkers and managers belong to a team.",
        widget=GovSelect(),
        coerce=str,
    )
    submit = SubmitField("Create account", widget=GovSubmitInput())


class UserChangeForm(PortalForm):
    role = UserForm.role
    team = UserForm.team
    submit = SubmitField("Save changes", widget=GovSubmitInput())


class SettingsForm(PortalForm):
    """The settings administrators change (portal.core.settings)."""

    stage_2_request_months = WholeNumberField(
        "How many months after the stage 1 response can a family ask for stage 2 from their case page?",
        description="After that, their case page tells them how to ask by email or phone instead.",
        noun="number of months",
        least=1,
        most=12,
    )
    submit = SubmitField("Save settings", widget=GovSubmitInput())


class ChangePasswordForm(NewPasswordMixin, PortalForm):
    current_password = PasswordField(
        "Your current password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter your current password")],
    )
    password = new_password_field("New password")
    submit = SubmitField("Change password", widget=GovSubmitInput())


class CloseAccountForm(PortalForm):
    password = PasswordField(
        "Your password",
        description="To check that it is you closing the account.",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter your password")],
    )
    submit = SubmitField("Close my account", widget=GovSubmitInput())
