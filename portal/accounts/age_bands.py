"""The age bands a youth forum member may give when they register.

A band, never a date of birth (ICO Age Appropriate Design Code: collect no more than needed).
Managers see it when approving members, so the council can offer age-appropriate support.
"""

PREFER_NOT_TO_SAY = "prefer-not-to-say"

LABELS: dict[str, str] = {
    "11-15": "11 to 15",
    "16-18": "16 to 18",
    "19-25": "19 to 25",
    PREFER_NOT_TO_SAY: "Prefer not to say",
}


def label(value: str | None) -> str:
    return LABELS.get(value or "", "Not given")
