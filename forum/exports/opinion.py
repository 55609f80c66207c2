"""One exported opinion, as every writer and the summary see it. Pure: a plain record, so the
summary and the writers can be used (and tested) without Flask or the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Opinion:
    id: int
    room_id: int
    room: str
    thread_id: int
    thread: str
    posted_at: datetime  # aware, in the site's time zone (JST)
    author: str  # pseudonym, stable within the room
    body: str  # plain text, personal information masked
    reply_to: int | None
    reactions: int
    replies: int
    status: str  # the thread's answer status (ThreadStatus value)
    url: str
    tags: tuple[str, ...] = field(default_factory=tuple)
    ref: str = ""  # 「2-5」: the reference people read beside the post and use in answer tables
