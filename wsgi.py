"""The WSGI entry for production servers: ``gunicorn -c gunicorn.conf.py wsgi:app``.

Settings come from ``instance/config.py`` and ``HIROBA_*`` environment variables
(docs/configuration.md); ``forum:create_app()`` is the same app for servers that call a factory.
"""

from forum import create_app

app = create_app()
