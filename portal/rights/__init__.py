"""People's rights over the data the portal holds about them (UK GDPR). It reads every domain
that keeps something about a person, so it sits above them all and nothing imports it."""
