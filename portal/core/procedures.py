"""The complaint procedures a case can follow, as data: their stages, each stage's clocks in
working days and how far it may be extended, and the texts they come from. The clocks, the
family's pages and the reminders read a case's limits from here, so a third procedure (home-to-
school transport appeals, say) is a new entry and a category that points to it.

- The Complaint Handling Code (LGSCO, 2024): two stages, the default for everything else.
- Complaints about social care for disabled children come under the statutory children's
  procedure (Children Act 1989 s26; the Children Act 1989 Representations Procedure (England)
  Regulations 2006): local resolution, an investigation with an independent person, a review
  panel; an advocate is offered to the child or young person.
"""

from dataclasses import dataclass

from portal.core import complaint_code

# When a stage's response clock starts.
FROM_ACKNOWLEDGEMENT = "acknowledgement"  # the Code: respond within N working days of acknowledging
FROM_RECEIPT = "receipt"  # the regulations: respond within N working days of the start of the stage


@dataclass(frozen=True)
class Stage:
    number: int
    name: str  # as the family reads it, like "Stage 2: an investigation with an independent person"
    acknowledge_days: int
    respond_days: int
    respond_from: str  # FROM_ACKNOWLEDGEMENT or FROM_RECEIPT
    # Working days the response may be extended by, in all. ``extension_is_a_limit``: the law
    # allows no more; otherwise more needs good reason, and a manager's approval.
    extension_days: int
    extension_is_a_limit: bool
    citation: str

    @property
    def longest(self) -> int:
        """The most working days the response can take, extensions included."""
        return self.respond_days + self.extension_days


@dataclass(frozen=True)
class Procedure:
    key: str
    name: str
    citation: str
    stages: tuple  # of Stage (or CodeStage, for the Code)
    # The working days after a stage's response the family has to ask for the next stage, if
    # the procedure sets them; None: the months administrators set (see core.settings).
    next_stage_within_working_days: int | None = None
    offers_advocate: bool = False

    def stage(self, number: int | None) -> Stage:
        return self.stages[max(1, min(number or 1, len(self.stages))) - 1]

    @property
    def last_stage(self) -> int:
        return len(self.stages)


CODE = "complaint_code"
CHILDRENS_SOCIAL_CARE = "childrens_social_care"


class CodeStage:
    """A stage of the Complaint Handling Code, read from portal.core.complaint_code each time:
    its limits are defined once, there."""

    respond_from = FROM_ACKNOWLEDGEMENT
    extension_is_a_limit = False

    def __init__(self, number: int, citation: str):
        self.number, self.citation = number, citation

    name = property(lambda self: complaint_code.STAGE_LABELS[self.number])
    acknowledge_days = property(lambda self: complaint_code.ACKNOWLEDGE_DAYS[self.number])
    respond_days = property(lambda self: complaint_code.RESPOND_DAYS[self.number])
    extension_days = property(lambda self: complaint_code.MAX_EXTENSION_DAYS[self.number])
    longest = property(lambda self: self.respond_days + self.extension_days)


COMPLAINT_HANDLING_CODE = Procedure(
    key=CODE,
    name="Complaint Handling Code",
    citation="The Local Government and Social Care Ombudsman's Complaint Handling Code (2024)",
    stages=(
        CodeStage(complaint_code.STAGE_1, "Code 5.1 to 5.5"),
        CodeStage(complaint_code.STAGE_2, "Code 6.1 to 6.4"),
    ),
)

CHILDRENS_PROCEDURE = Procedure(
    key=CHILDRENS_SOCIAL_CARE,
    name="Children's social care statutory procedure",
    citation="Children Act 1989 s26, and the Children Act 1989 Representations Procedure (England) Regulations 2006",
    stages=(
        Stage(
            number=1,
            name="Stage 1: local resolution",
            acknowledge_days=3,
            respond_days=10,
            respond_from=FROM_RECEIPT,
            extension_days=10,
            extension_is_a_limit=True,
            citation="Regulation 14: 10 working days, up to 20",
        ),
        Stage(
            number=2,
            name="Stage 2: an investigation with an independent person",
            acknowledge_days=3,
            respond_days=25,
            respond_from=FROM_RECEIPT,
            extension_days=40,
            extension_is_a_limit=True,
            citation="Regulations 17 and 18: 25 working days, up to 65",
        ),
        Stage(
            number=3,
            name="Stage 3: a review panel",
            acknowledge_days=3,
            respond_days=30,
            respond_from=FROM_RECEIPT,
            extension_days=0,
            extension_is_a_limit=True,
            citation="Regulation 19: the panel meets within 30 working days of the request",
        ),
    ),
    next_stage_within_working_days=20,
    offers_advocate=True,
)

PROCEDURES = {procedure.key: procedure for procedure in (COMPLAINT_HANDLING_CODE, CHILDRENS_PROCEDURE)}
LABELS = {key: procedure.name for key, procedure in PROCEDURES.items()}


def procedure_of(case) -> Procedure:
    """The procedure a case follows (the Code unless it says otherwise)."""
    return PROCEDURES.get(getattr(case, "procedure", None) or CODE, COMPLAINT_HANDLING_CODE)


def stage_of(case) -> Stage:
    """The rules of the stage the case is at."""
    return procedure_of(case).stage(case.stage)
