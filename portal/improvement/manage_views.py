"""Managers keep the improvement plan at /manage/improvement: areas, actions, milestones and
their status, measures and their values, evidence, and publishing. Thin: parse, call
portal.improvement.plan, commit, render."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from portal.accounts import roles
from portal.accounts.permissions import role_required
from portal.core.forms import form_page
from portal.core.rules import show_on_form
from portal.core.time import london_today
from portal.extensions import db
from portal.improvement import forms, measure_sources, plan, published
from portal.improvement.models import STATUS_LABELS, Action, Area, Measure, Milestone

bp = Blueprint("improvement_manage", __name__, url_prefix="/manage/improvement")

managers_only = role_required(roles.MANAGER)


SAVED = "Saved. Publish the plan to show it to the public."


def _submitted(form, change, redirect_to: str, message: str | None = SAVED):
    """Once ``form`` is sent and valid, call ``change``: commit and redirect when it is allowed,
    or show why not on the form. None while the form is to be shown (again)."""
    if not form.validate_on_submit():
        return None
    try:
        changed = change()
    except plan.PlanError as problem:
        db.session.rollback()
        show_on_form(form, problem)
        return None
    db.session.commit()
    if changed and message:
        flash(message, "success")
    return redirect(redirect_to)


# --- the plan ------------------------------------------------------------------------------


@bp.route("")
@managers_only
def index():
    return render_template(
        "improvement_manage/index.html",
        areas=plan.areas(),
        unpublished=plan.has_unpublished_changes(),
        versions=published.versions(),
        status_labels=STATUS_LABELS,
    )


@bp.route("/publish", methods=["GET", "POST"])
@form_page
@managers_only
def publish():
    form = forms.PublishForm()
    done = _submitted(
        form,
        lambda: plan.publish(current_user, form.summary.data),
        url_for("improvement_manage.index"),
        "Published. The public page now shows this version of the plan.",
    )
    return done or render_template(
        "improvement_manage/publish.html", form=form, unpublished=plan.has_unpublished_changes()
    )


# --- areas and evidence --------------------------------------------------------------------


@bp.route("/areas/new", methods=["GET", "POST"])
@form_page
@managers_only
def new_area():
    form = forms.AreaForm()
    if form.validate_on_submit():
        try:
            area = plan.add_area(current_user, title=form.title.data, finding=form.finding.data)
        except plan.PlanError as problem:
            db.session.rollback()
            show_on_form(form, problem)
        else:
            db.session.commit()
            flash("Area added. Add its actions and measures, then publish the plan.", "success")
            return redirect(url_for("improvement_manage.area", area_id=area.id))
    return render_template("improvement_manage/area_form.html", form=form, area=None)


@bp.route("/areas/<int:area_id>", methods=["GET", "POST"])
@form_page
@managers_only
def area(area_id: int):
    area = db.get_or_404(Area, area_id)
    form = forms.AreaForm(data={"title": area.title, "finding": area.finding} if request.method == "GET" else None)
    done = _submitted(
        form,
        lambda: plan.update_area(current_user, area, title=form.title.data, finding=form.finding.data),
        url_for("improvement_manage.area", area_id=area.id),
    )
    return done or render_template(
        "improvement_manage/area.html",
        form=form,
        area=area,
        sources=measure_sources.SOURCES,
        today=london_today(),
        is_late=published.is_late,
    )


@bp.route("/areas/<int:area_id>/evidence", methods=["GET", "POST"])
@form_page
@managers_only
def evidence(area_id: int):
    area = db.get_or_404(Area, area_id)
    offered = {
        "you_said": plan.linkable_you_said(),
        "consultations": plan.linkable_consultations(),
        "themes": plan.linkable_themes(),
    }
    data = None
    if request.method == "GET":
        data = {
            "you_said": [e.id for e in area.you_said_entries],
            "consultations": [c.id for c in area.consultations],
            "themes": [t.id for t in area.themes],
        }
    form = forms.EvidenceForm(data=data)
    form.you_said.choices = [SelectChoice(e.id, e.title) for e in offered["you_said"]]
    form.consultations.choices = [SelectChoice(c.id, c.title) for c in offered["consultations"]]
    form.themes.choices = [SelectChoice(t.id, t.name) for t in offered["themes"]]
    done = _submitted(
        form,
        lambda: plan.set_evidence(
            current_user,
            area,
            you_said_ids=form.you_said.data or [],
            consultation_ids=form.consultations.data or [],
            theme_ids=form.themes.data or [],
        ),
        url_for("improvement_manage.area", area_id=area.id),
    )
    return done or render_template("improvement_manage/evidence.html", form=form, area=area, offered=offered)


# --- actions and milestones ----------------------------------------------------------------


def _action_values(form: forms.ActionForm) -> dict:
    return {
        "title": form.title.data,
        "owner": form.owner.data,
        "lead_name": form.lead_name.data,
        "lead_role": form.lead_role.data,
    }


@bp.route("/areas/<int:area_id>/actions/new", methods=["GET", "POST"])
@form_page
@managers_only
def new_action(area_id: int):
    area = db.get_or_404(Area, area_id)
    form = forms.ActionForm()
    done = _submitted(
        form,
        lambda: plan.add_action(current_user, area, **_action_values(form)),
        url_for("improvement_manage.area", area_id=area.id),
    )
    return done or render_template("improvement_manage/action_form.html", form=form, area=area, action=None)


@bp.route("/actions/<int:action_id>", methods=["GET", "POST"])
@form_page
@managers_only
def action(action_id: int):
    action = db.get_or_404(Action, action_id)
    data = None
    if request.method == "GET":
        data = {name: getattr(action, name) for name in ("title", "owner", "lead_name", "lead_role")}
    form = forms.ActionForm(data=data)
    done = _submitted(
        form,
        lambda: plan.update_action(current_user, action, **_action_values(form)),
        url_for("improvement_manage.area", area_id=action.area_id),
    )
    return done or render_template("improvement_manage/action_form.html", form=form, area=action.area, action=action)


@bp.route("/actions/<int:action_id>/milestones/new", methods=["GET", "POST"])
@form_page
@managers_only
def new_milestone(action_id: int):
    action = db.get_or_404(Action, action_id)
    form = forms.MilestoneForm()
    done = _submitted(
        form,
        lambda: plan.add_milestone(
            current_user,
            action,
            title=form.title.data,
            horizon_months=form.horizon_months.data,
            target_on=form.target_on.data,
        ),
        url_for("improvement_manage.area", area_id=action.area_id),
    )
    return done or render_template("improvement_manage/milestone_form.html", form=form, action=action, milestone=None)


@bp.route("/milestones/<int:milestone_id>", methods=["GET", "POST"])
@form_page
@managers_only
def milestone(milestone_id: int):
    milestone = db.get_or_404(Milestone, milestone_id)
    data = None
    if request.method == "GET":
        data = {"title": milestone.title, "horizon_months": milestone.horizon_months, "target_on": milestone.target_on}
    form = forms.MilestoneForm(data=data)
    done = _submitted(
        form,
        lambda: plan.update_milestone(
            current_user,
            milestone,
            title=form.title.data,
            horizon_months=form.horizon_months.data,
            target_on=form.target_on.data,
        ),
        url_for("improvement_manage.area", area_id=milestone.action.area_id),
    )
    return done or render_template(
        "improvement_manage/milestone_form.html", form=form, action=milestone.action, milestone=milestone
    )


@bp.route("/milestones/<int:milestone_id>/status", methods=["GET", "POST"])
@form_page
@managers_only
def milestone_status(milestone_id: int):
    milestone = db.get_or_404(Milestone, milestone_id)
    form = forms.StatusForm(data={"status": milestone.status} if request.method == "GET" else None)
    done = _submitted(
        form,
        lambda: plan.change_status(current_user, milestone, form.status.data, form.reason.data),
        url_for("improvement_manage.area", area_id=milestone.action.area_id),
        "Status saved with its reason. Publish the plan to show it to the public.",
    )
    return done or render_template("improvement_manage/status.html", form=form, milestone=milestone)


# --- measures ------------------------------------------------------------------------------


def _measure_values(form: forms.MeasureForm) -> dict:
    return {
        "title": form.title.data,
        "unit": form.unit.data,
        "baseline": form.baseline.data,
        "target": form.target.data,
        "higher_is_better": form.higher_is_better.data == "yes",
    }


@bp.route("/areas/<int:area_id>/measures/new", methods=["GET", "POST"])
@form_page
@managers_only
def new_measure(area_id: int):
    area = db.get_or_404(Area, area_id)
    form = forms.MeasureForm()
    form.source_key.choices = [SelectChoice("", "Typed in by managers")] + [
        SelectChoice(key, f"Computed by the portal: {source.label}") for key, source in measure_sources.SOURCES.items()
    ]
    done = _submitted(
        form,
        lambda: plan.add_measure(current_user, area, **_measure_values(form), source_key=form.source_key.data or None),
        url_for("improvement_manage.area", area_id=area.id),
    )
    return done or render_template("improvement_manage/measure_form.html", form=form, area=area, measure=None)


@bp.route("/measures/<int:measure_id>", methods=["GET", "POST"])
@form_page
@managers_only
def measure(measure_id: int):
    measure = db.get_or_404(Measure, measure_id)
    data = None
    if request.method == "GET":
        data = {name: getattr(measure, name) for name in ("title", "unit", "baseline", "target")}
        data["higher_is_better"] = "yes" if measure.higher_is_better else "no"
    form = forms.MeasureForm(data=data)
    del form.source_key  # where the values come from is chosen once, when the measure is added
    done = _submitted(
        form,
        lambda: plan.update_measure(current_user, measure, **_measure_values(form)),
        url_for("improvement_manage.area", area_id=measure.area_id),
    )
    return done or render_template(
        "improvement_manage/measure_form.html", form=form, area=measure.area, measure=measure
    )


@bp.route("/measures/<int:measure_id>/values/new", methods=["GET", "POST"])
@form_page
@managers_only
def new_value(measure_id: int):
    measure = db.get_or_404(Measure, measure_id)
    form = forms.ValueForm()
    done = _submitted(
        form,
        lambda: plan.add_value(
            current_user,
            measure,
            period=form.period.data,
            measured_on=form.measured_on.data,
            value=form.value.data,
            source=form.source.data,
        ),
        url_for("improvement_manage.area", area_id=measure.area_id),
    )
    return done or render_template("improvement_manage/value_form.html", form=form, measure=measure)
