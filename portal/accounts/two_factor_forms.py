"""The forms of two-factor authentication: a code from the app, a recovery code, and setting
the app up."""

from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import InputRequired, Length

from portal.core.forms import PortalForm, strip_whitespace


def app_code_field(label="Code from your authenticator app"):
    return StringField(
        label,
        description="The 6-digit code your app shows now, for example 123456.",
        widget=GovTextInput(),
        filters=[strip_whitespace],
        validators=[
            InputRequired(message="Enter the 6-digit code from your authenticator app"),
            Length(max=20, message="Enter the 6-digit code from your authenticator app"),
        ],
    )


class AppCodeForm(PortalForm):
    code = app_code_field()
    submit = SubmitField("Continue", widget=GovSubmitInput())


class RecoveryCodeForm(PortalForm):
    code = StringField(
        "Recovery code",
        description="One of the 10 codes you saved when you set up two-factor authentication, like abcde-23456. "
        "Each code works once.",
        widget=GovTextInput(),
        filters=[strip_whitespace],
        validators=[
            InputRequired(message="Enter one of your recovery codes"),
            Length(max=40, message="Enter one of your recovery codes, like abcde-23456"),
        ],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class SetUpForm(PortalForm):
    code = app_code_field("Enter the code your app now shows")
    submit = SubmitField("Turn on two-factor authentication", widget=GovSubmitInput())


class PasswordCheckForm(PortalForm):
    """Before a change to how someone signs in, they show again that it is them (ASVS 3.7.1)."""

    secret = PasswordField(
        "Your password",
        description="To check that it is you.",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter your password")],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class CodeCheckForm(PortalForm):
    """The same check for someone with no password here (they sign in through their council)."""

    secret = app_code_field()
    submit = SubmitField("Continue", widget=GovSubmitInput())
