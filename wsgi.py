"""The WSGI entry for production servers: ``gunicorn -c gunicorn.conf.py wsgi:app``.

Settings come from ``instance/config.py`` and ``HIROBA_*`` environment variables
(docs/configuration.md); ``forum:create_app()`` is the same app for servers that call a factory.
A database that cannot be reached at start is said in one line, not a traceback; the site then
answers 503 until it is back (a worker that refused to start would stop all of gunicorn).
"""

from forum import create_app
from forum.app import database_problem

app = create_app(commands=False)  # a web worker needs no commands (nor Alembic)
if problem := database_problem(app):
    app.logger.error("Hiroba: the database cannot be reached (%s); pages answer 503 until it is back", problem)
