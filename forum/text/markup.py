"""Post bodies: a small Markdown subset rendered to HTML, then sanitized by an allow-list.

Residents write paragraphs, line breaks, **bold**, *emphasis*, lists, > quotes, `code` and
links. No raw HTML, images or headings. bleach is the last word on what reaches the page:
whatever the renderer does, only the tags and attributes below survive.
"""

from __future__ import annotations

import html as html_module
import re
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # loaded when a body is first rendered: a worker serving stored HTML never needs them
    from bleach.linkifier import Linker
    from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset({"p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "code", "pre", "a", "hr", "del"})
ALLOWED_ATTRIBUTES = {"a": ["href", "rel", "title"], "ol": ["start"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"
#: Goes up whenever the renderer, the allow-list or the linker changes what ``render`` gives: posts
#: keep their rendered HTML (``Post.body_html``) and any older copy is rendered again.
RENDER_VERSION = 1
# ASCII only: Japanese text often follows a URL with no space (https://example.jpを参照)
# (bleach hands the linker text with entities kept: stop at an escaped quote or bracket)
BARE_URL = re.compile(r"https?://(?:(?!&(?:quot|lt|gt|#\d+);)[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%])+", re.IGNORECASE)


@lru_cache(maxsize=1)
def _renderer() -> MarkdownIt:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": False})
    md.disable(["image", "heading", "lheading", "html_block", "html_inline", "reference"])
    md.enable(["strikethrough"])
    return md


def _set_rel(attrs: dict, new: bool = False) -> dict | None:
    """Every link gets rel=nofollow ugc noopener; any scheme but http(s)/mailto is unlinked."""
    href = attrs.get((None, "href"), "")
    if not re.match(r"^(https?:|mailto:)", href, re.IGNORECASE):
        return None  # drop anything else (the text stays, the link goes)
    attrs[(None, "rel")] = LINK_REL
    return attrs


@lru_cache(maxsize=1)
def _linker() -> Linker:
    from bleach.linkifier import Linker

    # no skip_tags: bleach 6 escapes the text of skipped tags twice
    return Linker(callbacks=[_set_rel], url_re=BARE_URL, parse_email=False)


def render(source: str) -> str:
    """Markdown subset → safe HTML. Pure: the same input always gives the same output."""
    import bleach

    raw = _renderer().render(source)
    clean = bleach.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
    )
    return _linker().linkify(clean)


#: Characters (and line starts) that can make Markdown out of plain text; a body without any of
#: them reads the same rendered or not.
_MARKUP_CHARS = re.compile(r"[*_\[\]<>`#~\\&\x00\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_MARKUP_LINE_START = re.compile(r"^(?:[^\S\n]|[-+=]|\d)|[^\S\n]$", re.MULTILINE)


def to_plain_text(source: str) -> str:
    """The text of a body without markup: for API plain text, excerpts, search and exports.
    Plain text (most posts) is taken as it is; otherwise every tag of the renderer's output is
    dropped, so sanitizing and linkifying (which only add or remove tags) are not needed."""
    source = (source or "").replace("\r\n", "\n").replace("\r", "\n")
    if not _MARKUP_CHARS.search(source) and not _MARKUP_LINE_START.search(source):
        return re.sub(r"\n{3,}", "\n\n", source).strip()
    return _rendered_text(source)


def _rendered_text(source: str) -> str:
    html = _renderer().render(source)
    # the renderer's own newlines after block tags are layout only; make the breaks explicit
    html = re.sub(r"(<br>|</li>|<ul>|<ol>|</p>|<blockquote>)\n", r"\1", html)
    html = html.replace("<br>", "\n").replace("</li>", "\n").replace("</p>", "\n\n")
    # render() gave sanitized, well-formed HTML: dropping its tags leaves only text
    text = html_module.unescape(re.sub(r"<[^>]+>", "", html))
    lines = [line.rstrip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def excerpt(source: str, length: int = 80) -> str:
    text = " ".join(to_plain_text(source).split())
    return text if len(text) <= length else text[: length - 1] + "…"
