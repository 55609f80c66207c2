"""Texts kept with ふりがな: a model lists its plain-text fields, and a copy of each with readings over
its kanji is stored beside them whenever they are saved (rooms, department answers, answer-table
rows; posts keep theirs with their rendered HTML, in ``thread.stored_copies``). A page shows the
copy and never runs the dictionary; a copy older than the readings is read again by
``refresh_ruby`` (``flask export refresh-text``, the worker)."""

from __future__ import annotations

from typing import ClassVar

from markupsafe import Markup
from sqlalchemy import JSON, Integer, event, inspect, or_, select
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm.attributes import flag_modified

from forum.extensions import db
from forum.text.furigana import FURIGANA_VERSION, ruby_text


class RubyTexts:
    """Mixin: ``RUBY_FIELDS`` are kept with readings in ``ruby_texts``."""

    RUBY_FIELDS: ClassVar[tuple[str, ...]] = ()
    ruby_texts: Mapped[dict | None] = mapped_column(JSON)
    ruby_version: Mapped[int | None] = mapped_column(Integer)

    def ruby_of(self, field: str) -> Markup | str:
        """The field with ふりがな, or as written while no current copy is stored."""
        if self.ruby_version == FURIGANA_VERSION and self.ruby_texts and field in self.ruby_texts:
            return Markup(self.ruby_texts[field])  # noqa: S704  (escaped text with ruby, made by ruby_text)
        return getattr(self, field)


@event.listens_for(RubyTexts, "before_insert", propagate=True)
@event.listens_for(RubyTexts, "before_update", propagate=True)
def _keep_ruby(_mapper, _connection, obj: RubyTexts) -> None:
    """The copies follow every save of the texts, whichever path saved them."""
    state = inspect(obj)
    changed = any(state.attrs[field].history.has_changes() for field in obj.RUBY_FIELDS)
    if obj.ruby_version != FURIGANA_VERSION or not obj.ruby_texts or changed:
        obj.ruby_texts = {field: ruby_text(getattr(obj, field) or "") for field in obj.RUBY_FIELDS}
        obj.ruby_version = FURIGANA_VERSION


def refresh_ruby() -> int:
    """Store the copies whose copy is missing or older than the readings (after an upgrade), for
    every model that keeps them; not committed. Returns how many."""
    stale = [
        obj
        for model in RubyTexts.__subclasses__()
        for obj in db.session.scalars(
            select(model).where(or_(model.ruby_texts.is_(None), model.ruby_version.is_distinct_from(FURIGANA_VERSION)))
        )
    ]
    for obj in stale:
        flag_modified(obj, "ruby_version")  # the save hook reads the texts again
    return len(stale)
