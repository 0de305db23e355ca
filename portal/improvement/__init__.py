"""The council's improvement plan: the areas of weakness the inspectors found, what each
partner is doing about them, by when, how progress is measured and the evidence behind it;
kept by managers as a draft and published, version by version, for everyone to read.

It reads You Said, We Did, the consultations, the learning themes and the casework; only the
reports read it."""
