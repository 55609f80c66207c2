"""Writing: the compose page for a new thread or a reply, with a preview before posting."""

from __future__ import annotations

from collections.abc import Iterable

from flask import flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from forum.forms import ComposeForm
from forum.models import Post, Room, Thread
from forum.services import posts, rooms
from forum.services.errors import ServiceError
from forum.text.markup import render
from forum.views.common import show_error

OUTCOME = "post_outcome"  # session key: what just happened to a post, said beside it on the thread page


def held_message() -> str:
    return _(
        "Thank you. Under the site rules a moderator checks this post before it appears "
        "(waiting for review). You will be told when it is published."
    )


def to_post(post: Post, message: str, category: str = "success"):
    """Back to the thread at the post acted on (``#p<n>``), with the outcome said right before the
    post, where the thread page puts the focus (a flash at the top would be far from it)."""
    session[OUTCOME] = {"thread": post.thread_id, "number": post.number, "message": message, "category": category}
    return redirect(
        url_for("threads.show", thread_id=post.thread_id, page=posts.page_of(post), _anchor=f"p{post.number}"), code=303
    )


def take_outcome(thread: Thread, numbers: Iterable[int]) -> dict | None:
    """The outcome to show beside a post listed on this page; any other is flashed as usual."""
    outcome = session.pop(OUTCOME, None)
    if not outcome:
        return None
    if outcome.get("thread") == thread.id and outcome.get("number") in set(numbers):
        return outcome
    flash(outcome["message"], outcome["category"])
    return None


def _needs_rules(place) -> bool:
    return isinstance(place, Room) and not rooms.has_accepted_rules(current_user, place)


def _other_problems(form: ComposeForm) -> None:
    """The service stops at its first problem; list the others the author can fix too (title,
    text), so one try shows them all."""
    for field, check in ((form.title, posts.check_title), (form.body, posts.check_body)):
        if field is None or field.errors:
            continue
        try:
            check(field.data)
        except ServiceError as error:
            show_error(form, error)


def _render(form: ComposeForm, place, thread: Thread | None, reply_to: Post | None, back_url: str, status: int = 200):
    preview = render(form.body.data) if form.preview.data and form.body.data else None
    return render_template(
        "compose.html",
        form=form,
        place=place,
        thread=thread,
        reply_to=reply_to,
        back_url=back_url,
        preview=preview,
        needs_rules=_needs_rules(place),
        refusal=posts.refusal(current_user, place, thread),
        official=posts.is_official_author(current_user, place),
    ), status


def compose_thread(place, back_url: str):
    form = ComposeForm()
    if form.validate_on_submit() and form.submit.data:
        try:
            thread = posts.start_thread(
                current_user, place, form.title.data, form.body.data, accept_rules=bool(form.accept_rules.data)
            )
        except ServiceError as error:
            show_error(form, error)
            _other_problems(form)
            return _render(form, place, None, None, back_url, error.status)
        if thread.public_post_count:
            flash(_("Your thread has been started."), "success")
            return redirect(url_for("threads.show", thread_id=thread.id), code=303)
        flash(held_message(), "success")
        return redirect(url_for("mypage.index", _anchor="posts"), code=303)
    return _render(form, place, None, None, back_url, 422 if form.errors else 200)


def compose_reply(thread: Thread, reply_to: Post | None):
    place = posts.place_of(thread)
    form = ComposeForm()
    del form.title
    back_url = url_for("threads.show", thread_id=thread.id)
    if form.validate_on_submit() and form.submit.data:
        try:
            post = posts.reply(
                current_user, thread, form.body.data, reply_to, accept_rules=bool(form.accept_rules.data)
            )
        except ServiceError as error:
            show_error(form, error)
            _other_problems(form)
            return _render(form, place, thread, reply_to, back_url, error.status)
        return to_post(post, _("Your post has been published.") if post.is_public else held_message())
    if reply_to is not None:
        form.reply_to.data = str(reply_to.id)
    return _render(form, place, thread, reply_to, back_url, 422 if form.errors else 200)
