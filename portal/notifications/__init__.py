"""The email outbox: mail is written in the same transaction as the change that causes it,
then delivered by ``flask --app wsgi outbox send``."""
