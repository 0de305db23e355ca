"""Staff pages about accounts and the portal: administrators manage users and the portal's
settings; managers approve youth members."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from portal.accounts import roles, services, signals, two_factor
from portal.accounts.forms import SettingsForm, UserChangeForm, UserForm
from portal.accounts.models import Team, User
from portal.accounts.permissions import role_required
from portal.core import audit, settings
from portal.core.forms import form_page, whole_number
from portal.extensions import db

bp = Blueprint("accounts_admin", __name__)

USERS_PER_PAGE = 25


def _get_user(user_id: int) -> User:
    return db.get_or_404(User, user_id)


def _team_choices() -> list[SelectChoice]:
    teams = db.session.scalars(db.select(Team).order_by(Team.name)).all()
    return [SelectChoice("", "No team")] + [SelectChoice(str(team.id), team.name) for team in teams]


def _chosen_team(value: str | None) -> Team | None:
    return db.session.get(Team, int(value)) if value else None


@bp.route("/admin/users")
@role_required(roles.ADMIN)
def users():
    search = request.args.get("q", "").strip()[:100]
    role = request.args.get("role", "")
    query = db.select(User).order_by(User.name, User.id)
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(db.or_(db.func.lower(User.name).like(pattern), User.email.like(pattern)))
    if role in roles.ALL:
        query = query.where(User.role == role)
    page = db.paginate(
        query, page=whole_number(request.args.get("page")) or 1, per_page=USERS_PER_PAGE, error_out=False
    )
    return render_template("accounts_admin/users.html", page=page, search=search, role=role, roles=roles)


@bp.route("/admin/users/new", methods=["GET", "POST"])
@form_page
@role_required(roles.ADMIN)
def new_user():
    form = UserForm()
    form.team.choices = _team_choices()
    if form.validate_on_submit():
        if services.find_user_by_email(form.email.data) is not None:
            form.email.errors.append("An account with this email address already exists")
        else:
            user = services.create_user(
                current_user,
                name=form.name.data,
                email=form.email.data,
                role=form.role.data,
                team=_chosen_team(form.team.data),
            )
            db.session.commit()
            flash(f"Account created for {user.name}. They have been emailed a link to set a password.", "success")
            return redirect(url_for("accounts_admin.user", user_id=user.id))
    return render_template("accounts_admin/new_user.html", form=form)


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@form_page
@role_required(roles.ADMIN)
def user(user_id: int):
    person = _get_user(user_id)
    form = UserChangeForm(
        data={"role": person.role, "team": str(person.team_id or "")} if request.method == "GET" else None
    )
    form.team.choices = _team_choices()
    if form.validate_on_submit():
        if person.id == current_user.id and form.role.data != roles.ADMIN:
            form.role.errors.append("You cannot take the administrator role away from yourself")
        else:
            services.update_user(current_user, person, role=form.role.data, team=_chosen_team(form.team.data))
            db.session.commit()
            flash("Changes saved.", "success")
            return redirect(url_for("accounts_admin.user", user_id=person.id))
    return render_template(
        "accounts_admin/user.html",
        person=person,
        form=form,
        events=audit.history(person),
        holdings=signals.what_they_hold(person) if person.is_active else [],
        two_factor_on=two_factor.is_set_up(person),
    )


@bp.route("/admin/users/<int:user_id>/reset-two-factor", methods=["POST"])
@role_required(roles.ADMIN)
def reset_two_factor(user_id: int):
    """A lost phone: the person sets up their app again at their next sign-in."""
    person = _get_user(user_id)
    if person.id == current_user.id:
        abort(400, "Another administrator can reset your two-factor authentication.")
    two_factor.reset(current_user, person)
    db.session.commit()
    flash(
        f"{person.name}'s two-factor authentication is reset and they have been signed out everywhere. "
        "They will set it up again when they next sign in.",
        "success",
    )
    return redirect(url_for("accounts_admin.user", user_id=person.id))


@bp.route("/admin/users/<int:user_id>/disable", methods=["POST"])
@role_required(roles.ADMIN)
def disable_user(user_id: int):
    person = _get_user(user_id)
    if person.id == current_user.id:
        abort(400, "You cannot disable your own account.")
    held = len(signals.what_they_hold(person))
    services.disable_user(current_user, person)
    db.session.commit()
    handed_over = f" Their {held} open {'case has' if held == 1 else 'cases have'} been handed over." if held else ""
    flash(f"{person.name}'s account is disabled and they have been signed out everywhere.{handed_over}", "success")
    return redirect(url_for("accounts_admin.user", user_id=person.id))


@bp.route("/admin/users/<int:user_id>/enable", methods=["POST"])
@role_required(roles.ADMIN)
def enable_user(user_id: int):
    person = _get_user(user_id)
    services.enable_user(current_user, person)
    db.session.commit()
    flash(f"{person.name}'s account is enabled.", "success")
    return redirect(url_for("accounts_admin.user", user_id=person.id))


@bp.route("/admin/settings", methods=["GET", "POST"])
@form_page
@role_required(roles.ADMIN)
def portal_settings():
    form = SettingsForm(
        data={"stage_2_request_months": settings.get(settings.STAGE_2_REQUEST_MONTHS)}
        if request.method == "GET"
        else None
    )
    if form.validate_on_submit():
        settings.put(current_user, settings.STAGE_2_REQUEST_MONTHS, form.stage_2_request_months.data)
        db.session.commit()
        flash("Settings saved.", "success")
        return redirect(url_for("accounts_admin.portal_settings"))
    return render_template("accounts_admin/settings.html", form=form)


@bp.route("/manage/youth-members")
@role_required(roles.MANAGER, roles.ADMIN)
def youth_members():
    waiting = db.session.scalars(
        db.select(User)
        .where(User.role == roles.YOUTH, User.approved_at.is_(None), User.disabled_at.is_(None))
        .order_by(User.created_at)
    ).all()
    return render_template("accounts_admin/youth_members.html", waiting=waiting)


@bp.route("/manage/youth-members/<int:user_id>/approve", methods=["POST"])
@role_required(roles.MANAGER, roles.ADMIN)
def approve_youth_member(user_id: int):
    person = _get_user(user_id)
    if person.role != roles.YOUTH:
        abort(404)
    services.approve_youth_member(current_user, person)
    db.session.commit()
    flash(f"{person.name} can now take part.", "success")
    return redirect(url_for("accounts_admin.youth_members"))
