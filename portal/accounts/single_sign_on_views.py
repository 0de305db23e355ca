"""Staff single sign-on pages: the button on the sign-in page sends the person to the council's
provider, and the provider sends them back here. Whatever goes wrong, they are back on the
sign-in page with a plain message, and the attempt is audited (without any token)."""

import logging

from flask import Blueprint, abort, current_app, flash, redirect, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user

from portal import navigation
from portal.accounts import signing_in, single_sign_on, single_sign_on_accounts
from portal.core.links import public_url
from portal.extensions import db, limiter

bp = Blueprint("accounts_single_sign_on", __name__)
log = logging.getLogger(__name__)

# Where the person was going when they chose single sign-on, kept for their return.
NEXT_PAGE = "single_sign_on_next"


@bp.app_context_processor
def single_sign_on_button():
    """The sign-in page shows the staff button only while single sign-on is on."""
    return {"single_sign_on_provider": single_sign_on.provider_name() if single_sign_on.is_on() else None}


@bp.before_request
def only_when_on():
    if not single_sign_on.is_on():
        abort(404)


def _could_not_sign_in():
    flash(
        f"We could not sign you in with {single_sign_on.provider_name()}. Try again, or ask an administrator.",
        "info",
    )
    return redirect(url_for("accounts.sign_in"))


def _throttled_per_address(view):
    return limiter.limit(
        lambda: current_app.config["SIGN_IN_LIMIT_PER_ADDRESS"],
        key_func=get_remote_address,
        scope="single-sign-on-address",
    )(view)


@bp.route("/sign-in/single-sign-on", methods=["POST"])
@_throttled_per_address
def start():
    if current_user.is_authenticated:
        return redirect(navigation.home_for(current_user))
    session[NEXT_PAGE] = signing_in.safe_next(request.args.get("next"))
    try:
        # Built on PUBLIC_URL, never on the Host header: the address registered with the provider.
        return single_sign_on.redirect_to_provider(public_url("accounts_single_sign_on.callback"))
    except single_sign_on.PROVIDER_FAILURES as error:
        log.warning("Single sign-on could not start: %s", type(error).__name__)
        return _could_not_sign_in()


@bp.route("/sign-in/single-sign-on/callback")
@_throttled_per_address
def callback():
    next_page = session.pop(NEXT_PAGE, None)
    try:
        identity = single_sign_on.identity_from_callback()
    except single_sign_on.PROVIDER_FAILURES as error:
        reason = single_sign_on.failure_reason(error)
        log.warning("Single sign-on failed: %s (%s)", reason, type(error).__name__)
        single_sign_on_accounts.refuse(reason)
        db.session.commit()
        return _could_not_sign_in()
    user = single_sign_on_accounts.staff_member_for(identity)
    if user is None:
        db.session.commit()
        flash(
            f"There is no staff account for you here. If you work for {current_app.config['COUNCIL_NAME']}, "
            "ask an administrator to add you. Parents, carers and young people sign in with their email "
            "address and password.",
            "info",
        )
        return redirect(url_for("accounts.sign_in"))
    if identity.multi_factor:
        # The provider asked for a second factor itself: as good as the authenticator app's code.
        signing_in.start(user, second_factor=True)
        destination = signing_in.safe_next(next_page) or navigation.home_for(user)
    else:
        destination = signing_in.first_factor_given(user, next_page)
    db.session.commit()
    return redirect(destination)
