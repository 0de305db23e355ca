"""Learning themes: what the council learns from, shared by case outcomes (casework),
consultation answers (consultations) and You Said, We Did entries (yousaid).

The managers' pages at /manage/themes stay with casework's other managers' pages: their list
counts the case outcomes tagged with each theme, which is casework's to know."""
