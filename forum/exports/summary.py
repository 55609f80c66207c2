"""The summary of an export: counts, keywords, clusters of similar opinions, most 共感'd opinions.

Pure: given the opinions, the compound nouns of each (``forum.text.keywords``) and the document
frequencies of the whole forum, the result is the same every time (fixed seeds, ties broken by
id or by term), so two exports of the same data agree.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from forum.exports.opinion import Opinion

TOP_KEYWORDS = 30
TOP_REACTIONS = 10
MIN_FOR_CLUSTERS = 10


@dataclass(frozen=True)
class Background:
    """How many documents of the whole forum hold each term: what makes a keyword specific."""

    documents: int
    frequency: Counter

    @classmethod
    def of(cls, term_lists: list[list[str]]) -> Background:
        return cls(len(term_lists), Counter(t for terms in term_lists for t in set(terms)))


@dataclass(frozen=True)
class Keyword:
    term: str
    count: int  # occurrences in the selected opinions
    opinions: int  # selected opinions that hold it
    score: float  # count × idf against the whole forum


@dataclass(frozen=True)
class Cluster:
    label: str  # its top terms, joined by ・
    size: int
    terms: tuple[str, ...]
    representatives: tuple[int, ...]  # opinion ids nearest the centre, best first
    members: tuple[int, ...] = ()  # every opinion id of the group (not in the JSON: it can be long)


@dataclass
class Summary:
    total: int
    participants: int
    by_room: list[tuple[int, str, int]] = field(default_factory=list)  # id, title, count
    by_thread: list[tuple[int, str, int]] = field(default_factory=list)
    by_day: list[tuple[str, int]] = field(default_factory=list)  # YYYY-MM-DD (JST), count; every day, 0 too
    by_tag: list[tuple[str, int]] = field(default_factory=list)
    keywords: list[Keyword] = field(default_factory=list)
    clusters: list[Cluster] = field(default_factory=list)
    most_reactions: list[tuple[int, int]] = field(default_factory=list)  # opinion id, 共感 count

    def as_dict(self) -> dict:
        return {
            "total": self.total,
            "participants": self.participants,
            "by_room": [{"room_id": i, "room": t, "count": c} for i, t, c in self.by_room],
            "by_thread": [{"thread_id": i, "thread": t, "count": c} for i, t, c in self.by_thread],
            "by_day": [{"date": d, "count": c} for d, c in self.by_day],
            "by_tag": [{"tag": t, "count": c} for t, c in self.by_tag],
            "keywords": [
                {"term": k.term, "count": k.count, "opinions": k.opinions, "score": round(k.score, 4)}
                for k in self.keywords
            ],
            "clusters": [
                {"label": c.label, "size": c.size, "terms": list(c.terms), "representatives": list(c.representatives)}
                for c in self.clusters
            ],
            "most_reactions": [{"id": i, "reactions": r} for i, r in self.most_reactions],
        }


def _counted(counter: Counter, names: dict) -> list[tuple[int, str, int]]:
    return sorted(((key, names[key], n) for key, n in counter.items()), key=lambda row: (-row[2], row[0]))


def keywords(term_lists: list[list[str]], background: Background, top: int = TOP_KEYWORDS) -> list[Keyword]:
    counts = Counter(t for terms in term_lists for t in terms)
    holders = Counter(t for terms in term_lists for t in set(terms))
    scored = []
    for term, n in counts.items():
        idf = math.log((1 + background.documents) / (1 + background.frequency.get(term, 0))) + 1
        scored.append(Keyword(term, n, holders[term], n * idf))
    scored.sort(key=lambda k: (-k.score, k.term))
    return scored[:top]


def clusters(opinions: list[Opinion], term_lists: list[list[str]]) -> list[Cluster]:
    """Similar opinions grouped by k-means over TF-IDF of their compound nouns (fixed seed)."""
    rows = [i for i, terms in enumerate(term_lists) if terms]
    if len(rows) < MIN_FOR_CLUSTERS:
        return []
    from sklearn.cluster import KMeans, MiniBatchKMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(analyzer=_identity, min_df=2, max_df=0.6, sublinear_tf=True)
    try:
        matrix = vectorizer.fit_transform([term_lists[i] for i in rows])
    except ValueError:  # no term in two opinions: nothing to group by
        return []
    k = max(2, min(8, round(math.sqrt(len(rows) / 15))))
    if len(rows) > 5000:
        model = MiniBatchKMeans(n_clusters=k, random_state=0, n_init=3, batch_size=4096)
    else:
        model = KMeans(n_clusters=k, random_state=0, n_init=4)
    labels = model.fit_predict(matrix)
    names = vectorizer.get_feature_names_out()
    out = []
    for c in range(k):
        members = [j for j, label in enumerate(labels) if label == c]
        if not members:
            continue
        centre = model.cluster_centers_[c]
        terms = tuple(str(names[t]) for t in centre.argsort()[::-1][:5] if centre[t] > 0)
        similarity = matrix[members] @ centre
        nearest = sorted(
            range(len(members)), key=lambda m: (-round(float(similarity[m]), 9), opinions[rows[members[m]]].id)
        )[:3]
        out.append(
            Cluster(
                label="・".join(terms[:3]),
                size=len(members),
                terms=terms,
                representatives=tuple(opinions[rows[members[m]]].id for m in nearest),
                members=tuple(sorted(opinions[rows[j]].id for j in members)),
            )
        )
    out.sort(key=lambda c: (-c.size, c.label))
    return out


def daily_series(counts: Mapping[date, int]) -> list[tuple[str, int]]:
    """Every day from the first to the last with its count, quiet days as 0: a chart over time that
    skipped them would squeeze five weeks into a few bars and hide the quiet spells."""
    if not counts:
        return []
    first, last = min(counts), max(counts)
    return [
        (day.isoformat(), counts.get(day, 0))
        for day in (first + timedelta(days=i) for i in range((last - first).days + 1))
    ]


def _identity(terms: list[str]) -> list[str]:
    return terms


def summarize(opinions: list[Opinion], term_lists: list[list[str]], background: Background) -> Summary:
    rooms = {o.room_id: o.room for o in opinions}
    threads = {o.thread_id: o.thread for o in opinions}
    return Summary(
        total=len(opinions),
        participants=len({o.author for o in opinions}),
        by_room=_counted(Counter(o.room_id for o in opinions), rooms),
        by_thread=_counted(Counter(o.thread_id for o in opinions), threads),
        by_day=daily_series(Counter(o.posted_at.date() for o in opinions)),
        by_tag=sorted(Counter(t for o in opinions for t in o.tags).items(), key=lambda row: (-row[1], row[0])),
        keywords=keywords(term_lists, background),
        clusters=clusters(opinions, term_lists),
        most_reactions=[
            (o.id, o.reactions)
            for o in sorted((o for o in opinions if o.reactions), key=lambda o: (-o.reactions, o.id))[:TOP_REACTIONS]
        ],
    )
