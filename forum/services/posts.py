"""Threads and posts: start, reply, edit with revisions, withdraw, react, official status.

Every change to a post goes through this module, so later steps (moderation rules, the search
outbox, notifications) have one place to hook in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import defer, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from forum import clock
from forum.extensions import db
from forum.models import Board, Post, PostRevision, PostState, Reaction, Room, Thread, ThreadStatus, User
from forum.models.counters import increment
from forum.models.ruby import refresh_ruby
from forum.models.thread import stale_copies, stored_copies
from forum.models.upsert import insert_or_ignore
from forum.paging import clamp_page, offset
from forum.permissions import Permission, can
from forum.services import boards, notifications, rooms
from forum.services.errors import ServiceError
from forum.services.transactions import retried
from forum.text.normalize import clean_line
from moderation import gate

Place = Room | Board


@dataclass(frozen=True)
class PostPage:
    posts: list[Post]
    page: int
    pages: int
    total: int
    order: str


# ---------------------------------------------------------------- checks


def place_of(thread: Thread) -> Place:
    return thread.room if thread.room_id is not None else thread.board


def can_read(user, thread: Thread) -> bool:
    """Whether ``user`` may see ``thread`` at all (proposals, declined rooms, the staff board)."""
    place = place_of(thread)
    if isinstance(place, Room):
        rooms.refresh_state(place)
        return rooms.is_visible(place, user)
    return boards.can_view(user, place)


def refusal(user, place: Place, thread: Thread | None = None) -> str | None:
    """Why ``user`` may not post here now (a sentence), or None."""
    if not can(user, Permission.PARTICIPATE):
        if getattr(user, "is_authenticated", False) and not user.is_verified:
            return str(_l("Confirm your e-mail address to take part."))
        return str(_l("Log in to take part."))
    silenced = gate.sanction_refusal(user)
    if silenced:
        return silenced
    if not can(user, Permission.PARTICIPATE, place):
        return str(_l("Only members of this board can post here."))
    if isinstance(place, Room):
        reason = rooms.posting_refusal(place)
        if reason:
            return reason
    if thread is not None:
        slow = gate.thread_refusal(user, thread)
        if thread.locked:
            return str(_l("This thread is locked."))
        if slow:
            return slow
    return None


def _ensure_may_post(user: User, place: Place, thread: Thread | None = None, accept_rules: bool = False) -> None:
    reason = refusal(user, place, thread)
    if reason:
        raise ServiceError(reason, status=403)
    if isinstance(place, Room) and not accept_rules and not rooms.has_accepted_rules(user, place):
        raise ServiceError(_l("Please read the posting rules of this room and tick the box."), "accept_rules")


def check_body(body: str) -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    limit = current_app.config["BODY_MAX"]
    if not body:
        raise ServiceError(_l("Write something before posting."), "body")
    if len(body) > limit:
        raise ServiceError(
            _l("The text is too long: %(n)d characters; at most %(max)d.", n=len(body), max=limit), "body"
        )
    return body


def check_title(title: str) -> str:
    title = clean_line(title or "")
    limit = current_app.config["TITLE_MAX"]
    if not title:
        raise ServiceError(_l("Enter a title."), "title")
    if len(title) > limit:
        raise ServiceError(_l("The title is too long (at most %(n)d characters).", n=limit), "title")
    return title


def is_official_author(user: User, place: Place) -> bool:
    return isinstance(place, Room) and can(user, Permission.ANSWER_OFFICIALLY, place)


# ---------------------------------------------------------------- writing


def _screen(author: User, place: Place, title: str, body: str, new_thread: bool, editing: bool = False):
    """The moderation rules' decision; a refusal is raised with its reasons and retry time."""
    decision = gate.screen_post(author, place, title, body, new_thread=new_thread, editing=editing)
    if decision.refused:
        raise ServiceError(gate.refusal_message(decision), "body")
    return decision


@retried
def start_thread(author: User, place: Place, title: str, body: str, accept_rules: bool = False) -> Thread:
    """A new thread and its first post; held for review when the rules say so. One transaction:
    the rules tick (``accept_rules``), the post, its audit entry and the notifications."""
    _ensure_may_post(author, place, accept_rules=accept_rules)
    title, body = check_title(title), check_body(body)
    decision = _screen(author, place, title, body, new_thread=True)
    thread = Thread(title=decision.title or title, author=author, next_number=1, public_post_count=0)
    if isinstance(place, Room):
        thread.room = place
    else:
        thread.board = place
    db.session.add(thread)
    post = _add_post(thread, author, decision.body, None, held=decision.held)
    _finish_new_post(decision, author, post, place, accept_rules, announce=lambda: notifications.new_thread(thread))
    return thread


@retried
def reply(author: User, thread: Thread, body: str, reply_to: Post | None = None, accept_rules: bool = False) -> Post:
    place = place_of(thread)
    _ensure_may_post(author, place, thread, accept_rules=accept_rules)
    body = check_body(body)
    if reply_to is not None and (reply_to.thread_id != thread.id or not reply_to.is_public):
        raise ServiceError(_l("You can only reply to a visible post of this thread."))
    decision = _screen(author, place, "", body, new_thread=False)
    post = _add_post(thread, author, decision.body, reply_to, held=decision.held)
    _finish_new_post(decision, author, post, place, accept_rules, announce=lambda: notifications.new_reply(post))
    return post


def _finish_new_post(decision, author: User, post: Post, place: Place, accept_rules: bool, announce) -> None:
    """Audit the rules' decision, record the rules tick, let the author follow the thread, tell
    watchers (a published post) or the author (a held one), then commit it all at once."""
    db.session.flush()
    if accept_rules and isinstance(place, Room):
        rooms.accept_rules(author, place)
    gate.record_decision(decision, author, post)
    notifications.set_watch(author, True, thread=post.thread)  # authors follow their threads
    if post.is_public:
        announce()
    else:
        notifications.tell_author(
            post,
            lambda: _(
                "Your post in “%(title)s” is waiting for a moderator’s review; you will be told when it is published.",
                title=post.thread.title,
            ),
        )
    db.session.commit()


def _take_number(thread: Thread) -> int:
    """The thread's next post number, taken atomically: the database increments the counter and
    hands back the value, so two replies at once never get the same number or leave a gap."""
    return increment(db.session, thread, "next_number", start=1) - 1


def _count_public(thread: Thread, delta: int) -> None:
    """Add ``delta`` to the thread's public post count in the database (no read-modify-write)."""
    increment(db.session, thread, "public_post_count", delta)


def _add_post(thread: Thread, author: User, body: str, reply_to: Post | None, held: bool = False) -> Post:
    now = clock.now()
    post = Post(
        thread=thread,
        number=_take_number(thread),
        author=author,
        body=body,
        reply_to=reply_to,
        state=(PostState.PENDING if held else PostState.PUBLISHED).value,
        created_at=now,
        is_official=is_official_author(author, place_of(thread)),
        reaction_count=0,
    )
    if not held:
        _count_public(thread, 1)
        thread.last_posted_at = now
    db.session.add(post)
    return post


def add_existing_post(
    thread: Thread, author: User | None, body: str, created_at, reply_to: Post | None = None, official: bool = False
) -> Post:
    """A post written elsewhere or earlier (legacy import, demo content): no posting checks,
    its own time. Not committed."""
    post = Post(
        thread=thread,
        number=_take_number(thread),
        author=author,
        body=check_body(body),
        reply_to=reply_to,
        state=PostState.PUBLISHED.value,
        created_at=created_at,
        is_official=official,
        reaction_count=0,
    )
    _count_public(thread, 1)
    thread.last_posted_at = max(thread.last_posted_at or created_at, created_at)
    db.session.add(post)
    return post


def edit_deadline(post: Post):
    return post.created_at + timedelta(hours=current_app.config["EDIT_WINDOW_HOURS"])


def can_edit(user, post: Post) -> bool:
    return (
        getattr(user, "is_authenticated", False)
        and post.author_id == user.id
        and post.is_public
        and clock.now() < edit_deadline(post)
    )


def edit(author: User, post: Post, body: str) -> None:
    if post.author_id != author.id or not post.is_public:
        raise ServiceError(_l("You can only edit your own visible posts."), status=403)
    if clock.now() >= edit_deadline(post):
        raise ServiceError(
            _l("The time for editing this post has passed (%(h)d hours).", h=current_app.config["EDIT_WINDOW_HOURS"]),
            status=403,
        )
    body = check_body(body)
    if body == post.body:
        return
    decision = _screen(author, place_of(post.thread), "", body, new_thread=False, editing=True)
    db.session.add(
        PostRevision(post=post, body=post.body, written_at=post.edited_at or post.created_at, editor_id=author.id)
    )
    post.body = decision.body
    post.edited_at = clock.now()
    if decision.held:
        post.change_state(PostState.PENDING)  # the edit goes back to the review queue
    gate.record_decision(decision, author, post)
    db.session.commit()


def withdraw(author: User, post: Post) -> None:
    """取り下げ: the author takes a post back; it leaves public view, search and exports."""
    if post.author_id != author.id:
        raise ServiceError(_l("You can only withdraw your own posts."), status=403)
    if post.state == PostState.WITHDRAWN:
        return
    post.change_state(PostState.WITHDRAWN)
    db.session.commit()


@retried
def toggle_reaction(user: User, post: Post) -> bool:
    """共感 on or off; returns whether it is on now. Not on one's own posts."""
    if not can(user, Permission.PARTICIPATE, place_of(post.thread)):
        raise ServiceError(_l("Log in with a confirmed e-mail address to show agreement."), status=403)
    if post.author_id == user.id:
        raise ServiceError(_l("You cannot show agreement with your own post."), status=403)
    silenced = gate.sanction_refusal(user)
    if silenced:
        raise ServiceError(silenced, status=403)
    if not post.is_public:
        raise ServiceError(_l("This post is not visible."), status=404)
    pages = [("post", post.id)]
    added = insert_or_ignore(Reaction, page_scopes=pages, post_id=post.id, user_id=user.id)
    change = 1
    if not added:  # it was on (perhaps from another tab a moment ago): take it off
        change = -db.session.execute(
            delete(Reaction)
            .where(Reaction.post_id == post.id, Reaction.user_id == user.id)
            .execution_options(page_scopes=pages)
        ).rowcount
    if change:  # by the rows this transaction changed: a recount would miss a concurrent one
        db.session.execute(
            update(Post)
            .where(Post.id == post.id)
            .values(reaction_count=Post.reaction_count + change)
            .execution_options(synchronize_session=False, page_scopes=pages)
        )
    db.session.commit()
    return added


def set_status(actor: User, thread: Thread, status: str, note: str) -> None:
    place = place_of(thread)
    if not isinstance(place, Room) or not can(actor, Permission.ANSWER_OFFICIALLY, place):
        raise ServiceError(_l("Only staff of the department in charge can set the status."), status=403)
    if status not in {s.value for s in ThreadStatus}:
        raise ServiceError(_l("Choose a status."), "status")
    thread.status = status
    thread.status_note = (note or "").strip()
    thread.status_updated_at = clock.now()
    db.session.commit()


# ---------------------------------------------------------------- reading


def threads_of(place: Place, page: int = 1) -> tuple[list[Thread], int]:
    per_page = current_app.config["THREADS_PER_PAGE"]
    column = Thread.room_id if isinstance(place, Room) else Thread.board_id
    stmt = select(Thread).where(column == place.id, Thread.public_post_count > 0)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    threads = db.session.scalars(
        stmt.options(selectinload(Thread.author))
        .order_by(Thread.pinned.desc(), Thread.last_posted_at.desc(), Thread.id.desc())
        .limit(per_page)
        .offset(offset(page, per_page))
    ).all()
    return list(threads), total


def posts_page(thread: Thread, page: int = 1, order: str = "oldest") -> PostPage:
    """One page of a thread. Every post keeps its place (hidden ones show a placeholder),
    so a post's page and anchor stay stable."""
    per_page = current_app.config["POSTS_PER_PAGE"]
    order = "newest" if order == "newest" else "oldest"
    total = thread.next_number - 1
    pages = max(1, -(-total // per_page))
    page = clamp_page(page, pages)
    sort = Post.number.desc() if order == "newest" else Post.number.asc()
    posts = db.session.scalars(
        select(Post)
        .where(Post.thread_id == thread.id)
        .options(
            defer(Post.masked_text),  # for exports only
            joinedload(Post.author),
            selectinload(Post.reply_to).options(
                joinedload(Post.author), defer(Post.masked_text), defer(Post.body_html)
            ),
        )
        .order_by(sort)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    for post in posts:  # each post's thread is this one: no lookup per post
        set_committed_value(post, "thread", thread)
    return PostPage(list(posts), page, pages, total, order)


def page_of(post: Post) -> int:
    return (post.number - 1) // current_app.config["POSTS_PER_PAGE"] + 1


def reacted_ids(user, posts: list[Post]) -> set[int]:
    if not getattr(user, "is_authenticated", False) or not posts:
        return set()
    return set(
        db.session.scalars(
            select(Reaction.post_id).where(Reaction.user_id == user.id, Reaction.post_id.in_([p.id for p in posts]))
        )
    )


def public_posts_of(user: User, limit: int = 20) -> list[Post]:
    """A profile's public activity: visible posts in public places only."""
    return list(
        db.session.scalars(
            select(Post)
            .join(Thread)
            .outerjoin(Board, Thread.board_id == Board.id)
            .where(
                Post.author_id == user.id,
                Post.state == PostState.PUBLISHED,
                (Board.id.is_(None)) | (Board.kind != "staff"),
            )
            .options(selectinload(Post.thread))
            .order_by(Post.created_at.desc())
            .limit(limit)
        )
    )


def refresh_stored_text(batch: int = 1000, limit: int | None = None) -> int:
    """Store the derived copies (masked export text, rendered HTML, HTML with ふりがな) of posts
    whose copies are missing or older than the rules that made them (after an upgrade raised
    MASK_VERSION, RENDER_VERSION or FURIGANA_VERSION), ``batch`` posts a transaction, at most
    ``limit``; and the ふりがな of rooms' texts, answers and answer-table rows. Returns how many
    (posts and those)."""
    texts = refresh_ruby()
    db.session.commit()
    done = 0
    while limit is None or done < limit:
        size = batch if limit is None else min(batch, limit - done)
        rows = db.session.execute(select(Post.id, Post.body).where(stale_copies()).order_by(Post.id).limit(size)).all()
        if not rows:
            break
        for post_id, body in rows:
            db.session.execute(
                update(Post)
                .where(Post.id == post_id)
                .values(**stored_copies(body or ""))
                .execution_options(synchronize_session=False)
            )
        db.session.commit()
        done += len(rows)
    return done + texts
