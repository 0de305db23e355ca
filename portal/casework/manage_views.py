"""Managers' casework pages under /manage: routing settings, response templates, learning
themes, and oversight of every team's cases with bulk reassignment. Thin: they parse input,
call portal.casework.management (the rules), portal.themes.services (the themes' rules) or
oversight (the lists), commit and render. The theme pages are here, not in portal.themes, because
their list counts the case outcomes tagged with each theme."""

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from wtforms.fields.choices import SelectChoice

from portal.accounts import roles
from portal.accounts.models import Team, User
from portal.accounts.permissions import role_required
from portal.casework import access, clocks, management, oversight
from portal.casework import manage_forms as forms
from portal.casework.models import CaseworkerSettings, ResponseTemplate, outcome_theme
from portal.core import procedures, settings
from portal.core.forms import form_page, whole_number
from portal.core.rules import RuleError, show_on_form
from portal.core.time import london_today
from portal.extensions import db
from portal.feedback import survey
from portal.feedback.models import STATUS_LABELS, Case, Category
from portal.feedback.survey_models import SatisfactionSurvey
from portal.themes import services as theme_services
from portal.themes.forms import ThemeForm
from portal.themes.models import LearningTheme
from portal.themes.queries import active_themes

bp = Blueprint("casework_manage", __name__, url_prefix="/manage")

managers_only = role_required(roles.MANAGER)

TEMPLATE_NAME_TAKEN = "A template with this name already exists"
THEME_NAME_TAKEN = "A theme with this name already exists"


def _teams() -> list[Team]:
    return db.session.scalars(db.select(Team).options(db.joinedload(Team.lead)).order_by(Team.name)).all()


def _team_choices(teams: list[Team]) -> list[SelectChoice]:
    return [SelectChoice(str(team.id), team.name) for team in teams]


def _chosen(teams: list[Team], value: str) -> Team:
    team = next((team for team in teams if str(team.id) == value), None)
    if team is None:  # the radios only offer real teams; anything else was not sent by the page
        abort(400)
    return team


# --- routing ---------------------------------------------------------------------------------


@bp.route("/routing")
@managers_only
def routing():
    teams = _teams()
    loads = [load for load in oversight.workload() if load.is_caseworker and load.active]
    members = {team.id: 0 for team in teams}
    for load in loads:
        if load.team_id in members:
            members[load.team_id] += 1
    return render_template(
        "casework_manage/routing.html",
        categories=db.session.scalars(
            db.select(Category).options(db.joinedload(Category.team)).order_by(Category.position, Category.name)
        ).all(),
        caseworkers=loads,
        teams=teams,
        members=members,
        procedure_labels=procedures.LABELS,
        targets={kind: settings.reply_target_days(kind) for kind in settings.REPLY_TARGET_DAYS},
    )


@bp.route("/routing/targets", methods=["GET", "POST"])
@form_page
@managers_only
def reply_targets():
    """The working days families are promised an answer in, for each kind that is not a complaint."""
    kinds = list(settings.REPLY_TARGET_DAYS)
    form = forms.ReplyTargetsForm(
        data={kind: settings.reply_target_days(kind) for kind in kinds} if request.method == "GET" else None
    )
    if form.validate_on_submit():
        for kind in kinds:
            settings.put(current_user, settings.REPLY_TARGET_DAYS[kind], form[kind].data)
        db.session.commit()
        flash("Reply targets saved. They apply to feedback that arrives from now on.", "success")
        return redirect(url_for("casework_manage.routing"))
    return render_template("casework_manage/reply_targets.html", form=form, kinds=kinds)


@bp.route("/routing/categories/<int:category_id>", methods=["GET", "POST"])
@form_page
@managers_only
def edit_category(category_id: int):
    category = db.get_or_404(Category, category_id)
    teams = _teams()
    form = forms.CategoryTeamForm(
        data={"team": str(category.team_id or ""), "procedure": category.procedure} if request.method == "GET" else None
    )
    form.team.label.text = f"Which team handles \u201c{category.name}\u201d?"
    form.team.choices = _team_choices(teams)
    if form.validate_on_submit():
        team = _chosen(teams, form.team.data)
        moved = management.set_category_team(current_user, category, team)
        followed = form.procedure.data and management.set_category_procedure(
            current_user, category, form.procedure.data
        )
        if followed:
            flash(
                f"New complaints about \u201c{category.name}\u201d follow the {procedures.LABELS[category.procedure]}.",
                "success",
            )
        if moved:
            flash(f"New cases about \u201c{category.name}\u201d now go to {team.name}.", "success")
        db.session.commit()
        # A confirmation is shown and focused at the top of the page; with none, back to the list.
        return redirect(url_for("casework_manage.routing", _anchor=None if followed or moved else "categories"))
    return render_template("casework_manage/edit_category.html", form=form, category=category, teams=teams)


@bp.route("/routing/caseworkers/<int:caseworker_id>", methods=["GET", "POST"])
@form_page
@managers_only
def edit_caseworker(caseworker_id: int):
    person = db.session.get(User, caseworker_id)
    if person is None or person.role != roles.CASEWORKER:
        abort(404)
    teams = _teams()
    settings = management.settings_of(person)
    form = forms.CaseworkerRoutingForm(
        data={
            "team": str(person.team_id or ""),
            "accepting": "yes" if settings is None or settings.accepting_new_cases else "no",
            "capacity": settings.capacity if settings else CaseworkerSettings.DEFAULT_CAPACITY,
            "stage_2": "yes" if settings is not None and settings.handles_stage_2 else "no",
        }
        if request.method == "GET"
        else None
    )
    form.team.choices = _team_choices(teams)
    if form.validate_on_submit():
        try:
            changed = management.set_caseworker_routing(
                current_user,
                person,
                team=_chosen(teams, form.team.data),
                accepting=form.accepting.data == "yes",
                capacity=form.capacity.data,
                handles_stage_2=form.stage_2.data == "yes",
            )
        except management.ManageError as problem:
            db.session.rollback()
            show_on_form(form, problem)
        else:
            try:
                db.session.commit()
            except IntegrityError:  # another manager saved this person's first settings just now
                db.session.rollback()
                form.accepting.errors.append("Someone else changed these settings just now. Check them and save again")
            else:
                if changed:
                    flash(f"Routing settings saved for {person.name}.", "success")
                return redirect(url_for("casework_manage.routing", _anchor=None if changed else "caseworkers"))
    open_cases = db.session.scalar(
        db.select(db.func.count(Case.id)).where(Case.caseworker_id == person.id, Case.is_open)
    )
    return render_template("casework_manage/edit_caseworker.html", form=form, person=person, open_cases=open_cases)


@bp.route("/routing/teams/<int:team_id>", methods=["GET", "POST"])
@form_page
@managers_only
def edit_team(team_id: int):
    team = db.get_or_404(Team, team_id)
    managers = db.session.scalars(
        db.select(User).where(User.role == roles.MANAGER, User.disabled_at.is_(None)).order_by(User.name, User.id)
    ).all()
    form = forms.TeamForm(
        data={"lead": str(team.lead_id) if team.lead_id else forms.NO_LEAD, "mailbox": team.mailbox or ""}
        if request.method == "GET"
        else None
    )
    form.lead.label.text = f"Who leads {team.name}?"
    form.lead.choices = [SelectChoice(str(person.id), person.name) for person in managers] + [
        SelectChoice(forms.NO_LEAD, "No lead")
    ]
    if form.validate_on_submit():
        lead = None if form.lead.data == forms.NO_LEAD else next(p for p in managers if str(p.id) == form.lead.data)
        changed = management.set_team_lead(current_user, team, lead)
        changed = management.set_team_mailbox(current_user, team, form.mailbox.data) or changed
        if changed:
            db.session.commit()
            flash(f"{team.name} saved.", "success")
        return redirect(url_for("casework_manage.routing", _anchor=None if changed else "teams"))
    return render_template("casework_manage/edit_team.html", form=form, team=team)


# --- held mail -------------------------------------------------------------------------------


@bp.route("/held-mail")
@managers_only
def held_mail():
    """Email to the replies mailbox that did not join a case, with the reason: staff read it in
    the mailbox itself, and add what belongs to a case by hand."""
    from portal.feedback import inbound_mail

    return render_template(
        "casework_manage/held_mail.html",
        page=inbound_mail.held(whole_number(request.args.get("page")) or 1),
        inbox=current_app.config.get("MAIL_INBOX_USER") or current_app.config.get("MAIL_INBOX_HOST"),
    )


# --- response templates ------------------------------------------------------------------------


@bp.route("/templates")
@managers_only
def templates():
    return render_template(
        "casework_manage/templates.html",
        templates=db.session.scalars(db.select(ResponseTemplate).order_by(ResponseTemplate.name)).all(),
        placeholders=management.PLACEHOLDERS,
    )


def _template_or_404(template_id: int) -> ResponseTemplate:
    return db.get_or_404(ResponseTemplate, template_id)


def _save(form, change, name_taken: str, back: str):
    """Run ``change`` (it returns the message to show, or None when nothing changed) and commit.
    Returns the redirect, or None to show the form again with the error next to its field."""
    try:
        done = change()
        db.session.commit()
    except RuleError as problem:
        db.session.rollback()
        show_on_form(form, problem)
        return None
    except IntegrityError:  # someone else saved the same name a moment ago
        db.session.rollback()
        form.name.errors.append(name_taken)
        return None
    if done:
        flash(done, "success")
    return redirect(url_for(back))


def _save_template(form, template: ResponseTemplate | None):
    def change():
        if template is None:
            created = management.create_template(current_user, name=form.name.data, body=form.body.data)
            return f"Template \u201c{created.name}\u201d added."
        changed = management.change_template(current_user, template, name=form.name.data, body=form.body.data)
        return f"Template \u201c{form.name.data}\u201d saved." if changed else None

    return _save(form, change, TEMPLATE_NAME_TAKEN, "casework_manage.templates")


@bp.route("/templates/new", methods=["GET", "POST"])
@form_page
@managers_only
def new_template():
    form = forms.TemplateForm()
    if form.validate_on_submit() and (done := _save_template(form, None)) is not None:
        return done
    return render_template(
        "casework_manage/edit_template.html", form=form, template=None, placeholders=management.PLACEHOLDERS
    )


@bp.route("/templates/<int:template_id>", methods=["GET", "POST"])
@form_page
@managers_only
def edit_template(template_id: int):
    template = _template_or_404(template_id)
    form = forms.TemplateForm(obj=template if request.method == "GET" else None)
    if form.validate_on_submit() and (done := _save_template(form, template)) is not None:
        return done
    return render_template(
        "casework_manage/edit_template.html", form=form, template=template, placeholders=management.PLACEHOLDERS
    )


@bp.route("/templates/<int:template_id>/delete", methods=["GET", "POST"])
@form_page
@managers_only
def delete_template(template_id: int):
    template = _template_or_404(template_id)
    form = forms.DeleteForm()
    if form.validate_on_submit():
        name = template.name
        management.delete_template(current_user, template)
        db.session.commit()
        flash(f"Template \u201c{name}\u201d deleted.", "success")
        return redirect(url_for("casework_manage.templates"))
    return render_template("casework_manage/delete_template.html", form=form, template=template)


# --- learning themes ---------------------------------------------------------------------------


@bp.route("/themes")
@managers_only
def themes():
    uses = dict(
        db.session.execute(
            db.select(outcome_theme.c.theme_id, db.func.count()).group_by(outcome_theme.c.theme_id)
        ).all()
    )
    return render_template(
        "casework_manage/themes.html",
        themes=db.session.scalars(
            db.select(LearningTheme).order_by(LearningTheme.active.desc(), LearningTheme.name)
        ).all(),
        uses=uses,
    )


def _theme_or_404(theme_id: int) -> LearningTheme:
    return db.get_or_404(LearningTheme, theme_id)


def _save_theme(form, theme: LearningTheme | None):
    def change():
        if theme is None:
            created = theme_services.add_theme(current_user, form.name.data)
            return f"Theme \u201c{created.name}\u201d added."
        changed = theme_services.rename_theme(current_user, theme, form.name.data)
        return f"Theme renamed to \u201c{form.name.data}\u201d." if changed else None

    return _save(form, change, THEME_NAME_TAKEN, "casework_manage.themes")


@bp.route("/themes/new", methods=["GET", "POST"])
@form_page
@managers_only
def new_theme():
    form = ThemeForm()
    if form.validate_on_submit() and (done := _save_theme(form, None)) is not None:
        return done
    return render_template("casework_manage/edit_theme.html", form=form, theme=None)


@bp.route("/themes/<int:theme_id>", methods=["GET", "POST"])
@form_page
@managers_only
def edit_theme(theme_id: int):
    theme = _theme_or_404(theme_id)
    form = ThemeForm(obj=theme if request.method == "GET" else None)
    if form.validate_on_submit() and (done := _save_theme(form, theme)) is not None:
        return done
    return render_template("casework_manage/edit_theme.html", form=form, theme=theme)


@bp.route("/themes/<int:theme_id>/retire", methods=["POST"])
@managers_only
def retire_theme(theme_id: int):
    theme = _theme_or_404(theme_id)
    if theme_services.set_theme_active(current_user, theme, False):
        db.session.commit()
    flash(
        f"Theme \u201c{theme.name}\u201d retired. Caseworkers will not be offered it; past outcomes keep it.", "success"
    )
    return redirect(url_for("casework_manage.themes"))


@bp.route("/themes/<int:theme_id>/restore", methods=["POST"])
@managers_only
def restore_theme(theme_id: int):
    theme = _theme_or_404(theme_id)
    if theme_services.set_theme_active(current_user, theme, True):
        db.session.commit()
    flash(f"Theme \u201c{theme.name}\u201d restored.", "success")
    return redirect(url_for("casework_manage.themes"))


# --- oversight and reassignment -----------------------------------------------------------------


def _list_args() -> dict:
    """Which list of cases the page shows, from the query string, cleaned."""
    args = request.args
    show = args.get("show", "")
    if show not in (*oversight.LISTS, "caseworker"):
        show = "unassigned"
    chosen = {"show": show}
    if show == "unassigned":
        team = args.get("team", "")
        if team == "none" or whole_number(team) is not None:
            chosen["team"] = team
    if show == "caseworker":
        caseworker = args.get("caseworker", "")
        if whole_number(caseworker) is None:
            abort(404)
        chosen["caseworker"] = whole_number(caseworker)
    page = whole_number(args.get("page"))
    if page is not None and page > 1:
        chosen["page"] = page
    return chosen


def _target_label(load: oversight.Load) -> str:
    details = [load.team_name or "no team", f"{load.open_cases} open of {load.capacity}"]
    if not load.accepting:
        details.append("not taking new cases")
    return f"{load.name} ({', '.join(details)})"


def _and_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _move(form, targets: dict[str, oversight.Load], chosen: dict) -> tuple[object, dict[int, str]]:
    """Move the ticked cases. Returns (a redirect when done, or None; refusals by case id)."""
    load = targets.get(form.caseworker.data)
    if load is None:
        form.caseworker.errors.append("Select an active caseworker to move the cases to")
        return None, {}
    caseworker = db.session.get(User, load.id)
    ticked = sorted(set(form.cases.data))
    found = db.session.scalars(
        db.select(Case)
        .where(Case.id.in_(ticked), Case.is_open, access.visible_to(current_user))
        .order_by(Case.reference)
    ).all()
    if len(found) != len(ticked):
        gone = len(ticked) - len(found)
        form.cases.errors.append(
            f"{gone} of the cases you ticked {'has' if gone == 1 else 'have'} been closed since the page loaded. "
            "No cases have been moved: check the list and try again"
        )
        return None, {}
    references = {case.id: case.reference for case in found}
    try:
        moved, unchanged = management.reassign(current_user, found, caseworker, form.reason.data or "")
    except management.ReassignRefused as refused:
        db.session.rollback()
        ids = [case_id for case_id in references if case_id in refused.refused]
        first = refused.refused[ids[0]]
        form.cases.errors.append(
            f"{_and_list([references[i] for i in ids])} cannot go to {load.name}: {first}. "
            f"No cases have been moved. Untick {'it' if len(ids) == 1 else 'them'} or choose someone else"
        )
        return None, refused.refused
    db.session.commit()
    parts = []
    if moved:
        parts.append(
            f"{len(moved)} {'case' if len(moved) == 1 else 'cases'} moved to {load.name}: "
            f"{_and_list([case.reference for case in moved])}."
        )
    if unchanged:
        parts.append(
            f"{_and_list([case.reference for case in unchanged])} {'was' if len(unchanged) == 1 else 'were'} "
            f"already with {load.name}."
        )
    flash(" ".join(parts), "success")
    return redirect(url_for("casework_manage.cases", **chosen)), {}


@bp.route("/cases", methods=["GET", "POST"])
@form_page
@managers_only
def cases():
    chosen = _list_args()
    today = london_today()
    loads = oversight.workload(today)
    targets = {str(load.id): load for load in loads if load.is_caseworker and load.active}
    whose = None
    if chosen["show"] == "caseworker":
        whose = next((load for load in loads if load.id == chosen["caseworker"]), None)
        if whose is None:
            abort(404)

    form = forms.ReassignForm()
    form.caseworker.choices = [SelectChoice("", "Select a caseworker")] + [
        SelectChoice(key, _target_label(load)) for key, load in targets.items()
    ]
    refused: dict[int, str] = {}
    if form.validate_on_submit():
        done, refused = _move(form, targets, chosen)
        if done is not None:
            return done

    teams = _teams()
    condition = sa.and_(
        oversight.list_condition(
            chosen["show"], team=chosen.get("team", ""), caseworker_id=chosen.get("caseworker"), on=today
        ),
        access.visible_to(current_user),
    )
    page = oversight.cases_page(condition, chosen.get("page", 1))
    team_name = None
    if chosen.get("team") == "none":
        team_name = "no team"
    elif chosen.get("team"):
        team_name = next((team.name for team in teams if str(team.id) == chosen["team"]), None)
    return render_template(
        "casework_manage/cases.html",
        form=form,
        loads=loads,
        queues=oversight.team_queues(teams, today),
        counts=oversight.list_counts(today, access.visible_to(current_user)),
        lists=oversight.LISTS,
        chosen=chosen,
        whose=whose,
        team_name=team_name,
        page=page,
        ticked=set(form.cases.data or []),
        refused=refused,
        statuses=STATUS_LABELS,
        today=today,
        due_soon_days=clocks.DUE_SOON_WORKING_DAYS,
    )


# --- families' comments from the satisfaction survey --------------------------------------------


@bp.get("/survey-comments")
@managers_only
def survey_comments():
    """What families wrote when asked how their complaint was handled, waiting to be tagged with
    the learning themes it teaches (then counted as You Said, We Did evidence), and the latest
    ones already tagged."""
    return render_template(
        "casework_manage/survey_comments.html",
        waiting=survey.comments_to_tag(),
        tagged=survey.comments_to_tag(tagged=True, limit=20),
        themes=active_themes(),
    )


@bp.post("/survey-comments/<int:survey_id>")
@managers_only
def tag_survey_comments(survey_id: int):
    answer = db.get_or_404(SatisfactionSurvey, survey_id)
    if answer.comments is None:
        abort(404)
    chosen = [number for value in request.form.getlist("themes") if (number := whole_number(value)) is not None]
    survey.tag(current_user, answer, chosen)
    db.session.commit()
    names = ", ".join(theme.name for theme in answer.themes) or "no theme"
    flash(f"Comment from {answer.case.reference} tagged with {names}.", "success")
    return redirect(url_for("casework_manage.survey_comments"))
