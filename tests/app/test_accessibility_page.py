"""The published accessibility policy: linked from every footer, it states the target, scope and
method, shows the latest automated results (the committed results file) and a contact route."""

from __future__ import annotations

from forum import data


def test_the_policy_is_linked_from_every_page_and_shows_the_latest_results(client):
    assert 'href="/accessibility"' in client.get("/").get_data(as_text=True)
    assert 'href="/accessibility"' in client.get("/login").get_data(as_text=True)
    page = client.get("/accessibility").get_data(as_text=True)
    assert "JIS X 8341-3:2016" in page and "AA" in page
    assert 'href="/letters/new"' in page  # the contact route: a letter to the city
    results = data.accessibility_results()
    assert results is not None, "tests/browser/test_accessibility.py writes forum/data/accessibility_results.json"
    assert f"axe-core {results['axe_version']}" in page
    assert f"<td>{results['runs']}</td>" in page and f"<td>{results['page_types']}</td>" in page
    assert f"<td>{results['violations']}" in page


def test_without_a_results_file_the_page_says_so(client, monkeypatch, tmp_path):
    monkeypatch.setattr(data, "ACCESSIBILITY_RESULTS", tmp_path / "missing.json")
    page = client.get("/accessibility").get_data(as_text=True)
    assert "まだ自動検査を行っていません" in page
