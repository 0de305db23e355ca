"""The equality monitoring questions, each with its answers and their labels: defined here
once. Every question is optional and offers "Prefer not to say"; a question left blank is
counted as not answered. The ethnic groups and religions are the 2021 Census's high-level ones."""

from dataclasses import dataclass

PREFER_NOT = "prefer_not"
PREFER_NOT_LABEL = "Prefer not to say"
NOT_ANSWERED_LABEL = "Not answered"

FEEDBACK = "feedback"
CONSULTATION = "consultation"
SOURCE_LABELS = {FEEDBACK: "After sending feedback", CONSULTATION: "After answering a consultation"}


@dataclass(frozen=True)
class Question:
    key: str  # also the column of portal.equality.models.EqualityResponse
    text: str
    hint: str
    answers: dict[str, str]  # value -> label, in the order offered

    @property
    def choices(self) -> list[tuple[str, str]]:
        return [*self.answers.items(), (PREFER_NOT, PREFER_NOT_LABEL)]

    def label_of(self, value: str | None) -> str:
        if value is None:
            return NOT_ANSWERED_LABEL
        return PREFER_NOT_LABEL if value == PREFER_NOT else self.answers[value]


QUESTIONS = (
    Question(
        "age_band",
        "How old is the child or young person the feedback is about?",
        "If it is about more than one, answer for the eldest.",
        {
            "0_4": "0 to 4",
            "5_10": "5 to 10",
            "11_15": "11 to 15",
            "16_17": "16 or 17",
            "18_25": "18 to 25",
        },
    ),
    Question(
        "disability",
        "Do you consider yourself to be disabled?",
        "This question is about you, the person answering.",
        {"yes": "Yes", "no": "No"},
    ),
    Question(
        "ethnicity",
        "What is your ethnic group?",
        "The groups the 2021 Census used.",
        {
            "asian": "Asian, Asian British or Asian Welsh",
            "black": "Black, Black British, Black Welsh, Caribbean or African",
            "mixed": "Mixed or multiple ethnic groups",
            "white": "White",
            "other": "Another ethnic group",
        },
    ),
    Question("sex", "What is your sex?", "The question the 2021 Census asked.", {"female": "Female", "male": "Male"}),
    Question(
        "religion",
        "What is your religion or belief?",
        "The groups the 2021 Census used.",
        {
            "none": "No religion",
            "christian": "Christian",
            "buddhist": "Buddhist",
            "hindu": "Hindu",
            "jewish": "Jewish",
            "muslim": "Muslim",
            "sikh": "Sikh",
            "other": "Another religion or belief",
        },
    ),
    Question(
        "first_language_english",
        "Is English your first language?",
        "The first language you learned to speak, or use at home.",
        {"yes": "Yes", "no": "No"},
    ),
)
QUESTION_KEYS = tuple(question.key for question in QUESTIONS)
