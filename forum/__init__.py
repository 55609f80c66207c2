"""Hiroba (広場): the Flask application. ``create_app`` is the only way to build it.

This package file imports no Flask: ``forum.app`` holds the application and is loaded by
``create_app`` (``flask --app forum`` and WSGI servers find ``create_app`` here).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict[str, Any] | None = None, instance_path: str | None = None, commands: bool = True) -> Flask:
    """Build the app. ``config`` overrides every other source (tests use it); ``commands=False``
    is the web server's app, without the ``flask`` commands (``wsgi.py``)."""
    from forum.app import create_app as build

    return build(config, instance_path, commands)
