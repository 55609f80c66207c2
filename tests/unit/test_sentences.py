"""First sentences for drafted answer table rows (pure)."""

from __future__ import annotations

from forum.text.sentences import draft_summary, first_sentence


def test_first_sentence_stops_at_the_first_full_stop():
    assert first_sentence("公園に日陰がほしい。木を植えてください。") == "公園に日陰がほしい。"
    assert first_sentence("本当ですか？そう思います") == "本当ですか？"
    assert first_sentence("  改行の\nある文  ") == "改行の ある文"
    assert first_sentence("") == ""


def test_a_long_sentence_is_cut_at_a_clause_boundary():
    text = (
        "市民がＩＴを効果的に利用できるように、学習をサポートする人材の育成と、地域での講座の開催を、"
        "市が中心となって継続的に進めていくことが必要だと考えますので検討をお願いします。"
    )
    cut = first_sentence(text, 60)
    assert cut.endswith("…") and len(cut) <= 61
    assert cut.rstrip("…").endswith(("人材の育成と", "利用できるように", "地域での講座の開催を"))
    assert not cut.rstrip("…").endswith("、")


def test_draft_summary_joins_and_counts_the_rest():
    drafted = draft_summary(["日陰がほしい。木を。", "ベンチを増やして。"], 15)
    assert drafted == "日陰がほしい。／ベンチを増やして。　ほか13件"
    assert draft_summary(["同じ。", "同じ。"], 2) == "同じ。　ほか1件"
    assert draft_summary(["一件だけ。"], 1) == "一件だけ。"
