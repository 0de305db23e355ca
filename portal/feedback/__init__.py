"""Parents' feedback: what it can be about, the intake journey and following a case."""
