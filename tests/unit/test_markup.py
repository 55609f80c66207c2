"""The Markdown subset renders what residents need and nothing an attacker wants."""

from __future__ import annotations

import re

import pytest

from forum.text.markup import excerpt, render, to_plain_text

HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<body onload=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    "[click](jav&#x09;ascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    "![x](javascript:alert(1))",
    "![x](https://evil.example/track.png)",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<style>body{display:none}</style>",
    "<object data=evil.swf></object>",
    "<embed src=evil.swf>",
    "<form action=https://evil.example><input name=p></form>",
    "<meta http-equiv=refresh content=0;url=https://evil.example>",
    "<base href=https://evil.example/>",
    "<link rel=stylesheet href=https://evil.example/x.css>",
    "<<script>script>alert(1)<</script>/script>",
    "<scr<script>ipt>alert(1)</script>",
    '<img src="x" onerror="alert(1)"',
    "<a href='x' onclick='alert(1)'>x</a>",
    "<p onmouseover=alert(1)>hover</p>",
    '"><script>alert(1)</script>',
    "<!--<script>alert(1)</script>-->",
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "<details open ontoggle=alert(1)>",
    '[x](https://ok.example/" onmouseover="alert(1))',
    'https://ok.example/"><script>alert(1)</script>',
    "<textarea><script>alert(1)</script></textarea>",
    "`<script>alert(1)</script>`",
    "```\n<script>alert(1)</script>\n```",
]

ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "code", "pre", "a", "hr", "del"}


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_input_renders_inert(source):
    html = render(source)
    tags = set(re.findall(r"<\s*([a-zA-Z0-9]+)", html))
    assert tags <= ALLOWED_TAGS, html
    lowered = html.lower()
    assert "<script" not in lowered and "<img" not in lowered and "<iframe" not in lowered
    for attr in re.findall(r"<[^>]*>", html):
        assert not re.search(r"\son\w+\s*=", attr), html
        assert "style=" not in attr, html
    for href in re.findall(r'href="([^"]*)"', html):
        assert re.match(r"^(https?:|mailto:)", href, re.IGNORECASE), html
        assert '"' not in href and "<" not in href


def test_hostile_list_is_long_enough():
    assert len(HOSTILE) >= 30


def test_the_subset_residents_use():
    assert render("**強調** と *斜体*") == "<p><strong>強調</strong> と <em>斜体</em></p>\n"
    assert "<ul>\n<li>一</li>\n<li>二</li>\n</ul>" in render("- 一\n- 二")
    assert "<blockquote>" in render("> 引用です")
    assert render("一行目\n二行目") == "<p>一行目<br>\n二行目</p>\n"
    assert "<h1" not in render("# 見出し")  # no headings: residents do not shout


def test_links_get_rel_and_bare_urls_are_linked():
    html = render("詳しくは https://www.city.example.jp/bousai/を見てください")
    assert '<a href="https://www.city.example.jp/bousai/" rel="nofollow ugc noopener">' in html
    assert "を見てください" in html  # Japanese right after the URL is not part of it
    assert 'rel="nofollow ugc noopener"' in render("[市のページ](https://www.city.example.jp/)")


def test_plain_text_and_excerpt():
    assert to_plain_text("**大事** な点\n\n- 一つ目\n- 二つ目") == "大事 な点\n\n一つ目\n二つ目"
    assert to_plain_text("<b>x</b> & y") == "<b>x</b> & y"
    assert excerpt("あ" * 100, 10) == "あ" * 9 + "…"


def test_plain_text_shortcut_agrees_with_the_renderer():
    """Bodies without Markdown are taken as they are; they must read exactly as rendered ones."""
    import random

    from forum.data import corpus_paragraphs
    from forum.text.markup import _rendered_text, to_plain_text

    samples = corpus_paragraphs()
    rng = random.Random(7)
    pieces = [
        "防災",
        "ＩＴ",
        "a",
        "1",
        "。",
        " ",
        "\u3000",
        "\n",
        "\n\n",
        "\n\n\n",
        "-",
        "+",
        "=",
        "(",
        ")",
        "!",
        ":",
        "https://example.jp",
        "&",
        "*",
        "_",
        "~",
        ">",
        "\t",
        "２",
        "！",
        "ｱｲｳ",
        "\r\n",
        "10.",
        "#",
    ]
    samples += ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 12))) for _ in range(3000)]
    samples += ["一行目\n二行目\n\n三行目", "\u3000字下げの段落", "末尾に空白 \n次", "https://example.jpを参照"]
    for text in samples:
        assert to_plain_text(text) == _rendered_text(text.replace("\r\n", "\n").replace("\r", "\n")), repr(text)
