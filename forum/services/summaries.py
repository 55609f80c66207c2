"""Summaries of a selection of opinions (counts, keywords, groups, representatives): the database
half. The pure half is ``forum.exports.summary``; exports and the answer table's draft both use this."""

from __future__ import annotations

import math
import os

from sqlalchemy import func, select

from forum.exports.opinion import Opinion
from forum.exports.selection import ExportFilter
from forum.exports.summary import Background, Summary, summarize
from forum.extensions import db
from forum.models import Post, Thread
from forum.models.public import public_posts
from forum.text.keywords import compound_nouns
from forum.text.masked import masked_plain_text

BACKGROUND_SAMPLE = 5000  # forum posts tokenised to tell what is specific to the selection
PARALLEL_FROM = 5000  # opinions; fewer are tokenised in this process


def terms_of(texts: list[str]) -> list[list[str]]:
    """Compound nouns of each text; large selections use both cores."""
    if len(texts) < PARALLEL_FROM or (os.cpu_count() or 1) < 2:
        return [compound_nouns(t) for t in texts]
    import multiprocessing

    # spawn, not fork: exports also run in a worker thread, and forking a threaded process can hang
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        return pool.map(compound_nouns, texts, chunksize=500)


def background(flt: ExportFilter, selected: list[list[str]]) -> Background:
    """Document frequencies over the forum: every room opinion when the selection is all of them,
    else the selection plus an evenly spread, deterministic sample of the others."""
    everything = (
        public_posts()
        .where(Thread.room_id.is_not(None), Post.is_official.is_(False))
        .with_only_columns(Post.id)
        .order_by(None)
    )
    total = db.session.scalar(select(func.count()).select_from(everything.subquery())) or 0
    if total <= len(selected):
        return Background.of(selected)
    stride = max(1, math.ceil(total / BACKGROUND_SAMPLE))
    others = (
        public_posts()
        .where(
            Thread.room_id.is_not(None),
            Post.is_official.is_(False),
            Thread.room_id.not_in(flt.room_ids),
            Post.id % stride == 0,
        )
        .with_only_columns(Post.body)
        .order_by(None)
        .order_by(Post.id)
        .limit(BACKGROUND_SAMPLE)
    )
    sample = [masked_plain_text(body) for body in db.session.scalars(others)]
    return Background.of(selected + terms_of(sample))


def summary_of(flt: ExportFilter, opinions: list[Opinion]) -> Summary:
    terms = terms_of([o.body for o in opinions])
    return summarize(opinions, terms, background(flt, terms))
