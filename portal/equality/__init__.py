"""Equality monitoring (Equality Act 2010, section 149): a few optional questions asked at the
end of the feedback journey and after a consultation answer is sent, kept apart from the
feedback and the answer, and counted for the annual complaints report."""
