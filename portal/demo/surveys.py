"""Answers to the satisfaction survey for seed-demo, so that the managers' page, the termly
update and the annual report have something to show. The invitations are the real ones: the
demo's cases are answered through the real casework actions, which ask each family. Here some
of those families answer, through the same service as the survey page, a few days after they
were asked; a few comments are tagged with learning themes and the rest are left to tag."""

from datetime import timedelta

import sqlalchemy as sa
import time_machine

from portal.accounts.models import User
from portal.core.time import utcnow
from portal.demo.accounts import MANAGER
from portal.extensions import db
from portal.feedback import survey
from portal.feedback.survey_models import NO, PARTLY, YES, SatisfactionSurvey
from portal.themes.models import LearningTheme

# (satisfaction, felt listened to, comments): taken in turn, a family in four not answering.
ANSWERS = [
    (4, YES, "The caseworker rang me back the same day and explained everything."),
    (2, PARTLY, "It took a long time and we had to chase for updates."),
    None,
    (5, YES, None),
    (3, PARTLY, None),
    (1, NO, "Nobody told us what was happening until the deadline had passed."),
    None,
    (4, YES, None),
    (5, YES, "Thank you for listening, even though the decision was not what we hoped."),
    (2, NO, None),
    None,
    (4, PARTLY, None),
]
# Comments tagged with a theme (by their place in ANSWERS); the others wait for a manager.
TAGGED = {0: "Communication and keeping families informed", 5: "Communication and keeping families informed"}


def seed_survey_answers() -> int:
    """Answer the demo's invitations that are not answered yet, once (a survey answered before
    is left as it is). Returns how many answers were added."""
    waiting = db.session.scalars(
        sa.select(SatisfactionSurvey)
        .where(SatisfactionSurvey.answered_at.is_(None))
        .order_by(SatisfactionSurvey.invited_at, SatisfactionSurvey.id)
    ).all()
    if not waiting or db.session.scalar(
        sa.select(SatisfactionSurvey.id).where(SatisfactionSurvey.answered_at.is_not(None))
    ):
        return 0
    manager = db.session.scalar(sa.select(User).where(User.email == MANAGER))
    themes = dict(db.session.execute(sa.select(LearningTheme.name, LearningTheme.id)).all())
    now = utcnow()
    added = 0
    for index, invitation in enumerate(waiting):
        planned = ANSWERS[index % len(ANSWERS)]
        answered_at = invitation.invited_at + timedelta(days=3)
        if planned is None or answered_at >= now:
            continue
        satisfaction, listened, comments = planned
        with time_machine.travel(answered_at, tick=False):
            survey.answer(invitation, satisfaction=satisfaction, listened=listened, comments=comments)
            theme = TAGGED.get(index % len(ANSWERS))
            if comments and manager is not None and theme in themes:
                survey.tag(manager, invitation, [themes[theme]])
        added += 1
    return added
