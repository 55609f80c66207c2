"""Moderation: rules, flags, the review queue, sanctions and the audit log.

``forum`` calls only :func:`init_app` and (later) the pure ``moderation.rules``.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the moderation pages with the app."""
    from moderation.views import bp

    app.register_blueprint(bp)
