"""The bound for bench/pages.py: a bare Flask + Jinja app with no database that renders a page of
30 posts of the same Japanese text as Hiroba's thread page (bodies rendered once at start, a
layout with a header, a list of articles and a footer). No Flask app serving that page can be much
faster on this machine; Hiroba's pages are measured as a share of it, in the same run.

    gunicorn --chdir bench -w 4 bound_app:app
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from flask import Flask

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from forum.data import corpus_paragraphs
from forum.text.markup import render

PAGE = """<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} - 広場</title><link rel="stylesheet" href="/static/css/site.css"></head>
<body><a class="skip-link" href="#main">本文へ移動</a>
<header class="site-header"><p class="site-name"><a href="/">広場</a></p>
<nav aria-label="メインメニュー"><ul>{% for label in menu %}<li><a href="/">{{ label }}</a></li>{% endfor %}</ul></nav>
</header>
<main id="main"><h1>{{ title }}</h1>
<ol class="posts">{% for post in posts %}
<li><article class="post" id="p{{ post.number }}"><header class="post-meta">
<span class="post-number">#{{ post.number }}</span> <a href="/users/{{ post.author_id }}">{{ post.author }}</a>
<time datetime="{{ post.at.isoformat() }}">{{ post.at.strftime('%Y年%m月%d日 %H:%M') }}</time></header>
<div class="post-body">{{ post.html|safe }}</div>
<p class="post-actions"><a href="#p{{ post.number }}">共感 {{ post.reactions }}</a>
<a href="/posts/{{ post.id }}">リンク</a></p>
</article></li>{% endfor %}</ol></main>
<footer class="site-footer"><p>広場 ・ <a href="/transparency">運営ルール</a></p></footer></body></html>"""

_paragraphs = corpus_paragraphs()
POSTS = [
    {
        "id": n,
        "number": n,
        "author_id": n % 7,
        "author": f"住民{n % 7}",
        "at": datetime(2026, 11, 1, 9, n),
        "html": render(_paragraphs[n % len(_paragraphs)][:400]),
        "reactions": n % 5,
    }
    for n in range(1, 31)
]
MENU = ["ホーム", "会議室", "掲示板", "検索", "マイページ"]

app = Flask(__name__)
TEMPLATE = app.jinja_env.from_string(PAGE)  # compiled once, as Flask does for template files


@app.get("/")
def page():
    return TEMPLATE.render(title="避難所の運営について", posts=POSTS, menu=MENU)
