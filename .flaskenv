# Read by the flask command only (not by gunicorn), so local commands default to development.
PORTAL_ENV=development
