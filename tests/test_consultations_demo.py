"""seed-demo gives the board something in every state, answered by the youth forum and parents."""

from portal.accounts import roles
from portal.consultations import models as m
from portal.core.time import london_today
from portal.extensions import db

PASSWORD = "Velvet-Compass-Meadow-19"


def test_seed_demo_adds_consultations_in_every_state_once(app, runner, demo):
    with app.app_context():
        today = london_today()
        consultations = {c.slug: c for c in db.session.scalars(db.select(m.Consultation))}
        states = {slug: c.state(today) for slug, c in consultations.items()}
        assert states == {
            "renaming-send-to-can": m.OUTCOME_PUBLISHED,
            "the-local-offer-website": m.OPEN,
            "home-to-school-transport": m.CLOSED,
            "how-named-caseworkers-keep-in-touch": m.UPCOMING,
        }
        renaming = consultations["renaming-send-to-can"]
        assert renaming.easy_read and renaming.we_did
        responses = db.session.scalars(db.select(m.Response)).all()
        assert {r.author.role for r in responses if r.channel == m.ONLINE} == {roles.YOUTH, roles.PARENT}
        assert any(r.voice == m.FORUM_VOICE for r in responses)
        # Something waits for the moderators, and the board has approved public answers to show.
        assert any(r.moderation == m.PENDING for r in responses)
        assert sum(r.on_board for r in responses if r.consultation.slug == "the-local-offer-website") >= 2
        count = len(responses)

    assert runner.invoke(args=["seed-demo", "--password", PASSWORD]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(m.Response)) == count
        assert db.session.scalar(db.select(db.func.count()).select_from(m.Consultation)) == 4


def test_seed_demo_gives_a_parent_a_weekly_alert_choice(app, runner, demo):
    with app.app_context():
        choices = db.session.scalars(db.select(m.AlertChoice)).all()
        assert [(c.on_opening, c.on_closing, c.on_outcome, c.frequency) for c in choices] == [
            (True, False, True, m.WEEKLY)
        ]
        assert db.session.get(m.User, choices[0].user_id).email == "parent@example.org"
