"""The export files: Excel CSV, UTF-8 CSV, broad-listening CSV, JSON, XLSX and the printable report.

Every writer takes the same rows (``Opinion``) and writes to a path; none of them reads the
database. Cells a spreadsheet might run as a formula are neutralised in the Excel CSV and XLSX.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale

from forum.exports.cells import excel_safe
from forum.exports.opinion import Opinion
from forum.exports.summary import Summary

JSON_SCHEMA_VERSION = 1
JSON_SCHEMA_ID = "https://hiroba.example/schemas/opinions-export-v1.json"
SCHEMA_PATH = Path(__file__).with_name("opinions.schema.json")

#: (machine name, Japanese heading) of each column, in order.
COLUMNS = (
    ("id", "ID"),
    ("room_id", "会議室ID"),
    ("room", "会議室"),
    ("thread_id", "話題ID"),
    ("thread", "話題"),
    ("posted_at", "投稿日時"),
    ("author", "投稿者ID"),
    ("body", "本文"),
    ("reply_to", "返信先ID"),
    ("reactions", "共感数"),
    ("replies", "返信数"),
    ("tags", "タグ"),
    ("status", "状態"),
    ("url", "URL"),
    ("ref", "意見番号"),  # last, so tools that read columns by position are unaffected
)
#: The layout broad-listening tools read (広聴AI, Talk to the City; Pol.is exports share it).
BROADLISTENING_COLUMNS = (
    "comment-id",
    "comment-body",
    "source",
    "url",
    "attribute_room",
    "attribute_thread",
    "attribute_tags",
    "attribute_status",
)
FORMATS = {  # format → (file suffix, MIME type)
    "csv": (".csv", "text/csv"),
    "csv-utf8": (".csv", "text/csv"),
    "broadlistening": (".csv", "text/csv"),
    "json": (".json", "application/json"),
    "xlsx": (".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "report": (".html", "text/html"),
}
REPORT_FULL_LIST_LIMIT = 2000  # beyond this the printable report lists representatives only
REPORT_CSS = "css/report.css"  # under the static folder


def status_names() -> dict[str, str]:
    """Thread status labels in Japanese: the exports are the city's documents."""
    from forum.labels import THREAD_STATUS_NAMES

    with force_locale("ja"):
        return {str(key): str(label) for key, label in THREAD_STATUS_NAMES.items()}


def _values(o: Opinion, statuses: dict[str, str]) -> list:
    """One row in COLUMNS order; ``statuses`` turns status values into labels (empty: values as they are)."""
    return [
        o.id,
        o.room_id,
        o.room,
        o.thread_id,
        o.thread,
        o.posted_at.isoformat(),
        o.author,
        o.body,
        o.reply_to if o.reply_to is not None else "",
        o.reactions,
        o.replies,
        "; ".join(o.tags),
        statuses.get(o.status, o.status),
        o.url,
        o.ref,
    ]


def write_csv(opinions: Iterable[Opinion], path: Path, excel: bool = True) -> int:
    """``excel``: UTF-8 with BOM, CRLF, every cell quoted, Japanese headings, formulas neutralised —
    opens correctly by double-click in Japanese Excel. Otherwise plain UTF-8 with machine headings."""
    statuses = status_names() if excel else {}
    rows = 0
    with open(path, "w", encoding="utf-8-sig" if excel else "utf-8", newline="") as fh:
        writer = csv.writer(
            fh, lineterminator="\r\n" if excel else "\n", quoting=csv.QUOTE_ALL if excel else csv.QUOTE_MINIMAL
        )
        writer.writerow([ja if excel else name for name, ja in COLUMNS])
        for o in opinions:
            values = _values(o, statuses)
            writer.writerow([excel_safe(v) if excel and isinstance(v, str) else v for v in values])
            rows += 1
    return rows


def write_broadlistening(opinions: Iterable[Opinion], path: Path, source: str = "hiroba") -> int:
    """UTF-8 CSV in the broad-listening layout, text as written (for analysis tools, not Excel)."""
    rows = 0
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(BROADLISTENING_COLUMNS)
        for o in opinions:
            writer.writerow([o.id, o.body, source, o.url, o.room, o.thread, "; ".join(o.tags), o.status])
            rows += 1
    return rows


def opinion_json(o: Opinion) -> dict:
    return {
        "id": o.id,
        "room_id": o.room_id,
        "room": o.room,
        "thread_id": o.thread_id,
        "thread": o.thread,
        "posted_at": o.posted_at.isoformat(),
        "author": o.author,
        "body": o.body,
        "reply_to": o.reply_to,
        "reactions": o.reactions,
        "replies": o.replies,
        "tags": list(o.tags),
        "status": o.status,
        "url": o.url,
        "ref": o.ref,
    }


def write_json(opinions: list[Opinion], summary: Summary | None, path: Path, meta: dict) -> int:
    """One JSON document (schema: ``opinions.schema.json``), written opinion by opinion."""
    head = {
        "$schema": JSON_SCHEMA_ID,
        "version": JSON_SCHEMA_VERSION,
        **meta,
        "summary": summary.as_dict() if summary else None,
    }
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(head, ensure_ascii=False)[:-1])
        fh.write(', "opinions": [\n')
        for i, o in enumerate(opinions):
            if i:
                fh.write(",\n")
            fh.write(json.dumps(opinion_json(o), ensure_ascii=False))
        fh.write("\n]}\n")
    return len(opinions)


def write_xlsx(opinions: list[Opinion], summary: Summary, path: Path, meta: dict) -> int:
    """A summary sheet (counts, keywords, clusters, timeline chart) and an opinions sheet."""
    import xlsxwriter

    statuses = status_names()
    book = xlsxwriter.Workbook(
        str(path), {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    bold = book.add_format({"bold": True})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    sheet = book.add_worksheet("概要")
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 3, 14)
    row = 0

    def line(*cells, fmt=None) -> None:
        nonlocal row
        for col, value in enumerate(cells):
            if isinstance(value, str):
                sheet.write_string(row, col, excel_safe(value), fmt)
            else:
                sheet.write(row, col, value, fmt)
        row += 1

    line("市民電子会議室 意見の集計", fmt=bold)
    line("作成日時", meta["generated_at"])
    line("意見の数", summary.total)
    line("参加者の数", summary.participants)
    row += 1
    line("会議室別", "件数", fmt=bold)
    for _id, title, n in summary.by_room:
        line(title, n)
    row += 1
    line("タグ別", "件数", fmt=bold)
    for tag, n in summary.by_tag:
        line(tag, n)
    row += 1
    line("キーワード", "出現数", "意見数", "スコア", fmt=bold)
    for k in summary.keywords:
        line(k.term, k.count, k.opinions, round(k.score, 2))
    row += 1
    line("似た意見のまとまり", "件数", "代表的な意見のID", fmt=bold)
    for c in summary.clusters:
        line(c.label, c.size, ", ".join(str(i) for i in c.representatives))
    row += 1
    line("共感の多い意見のID", "共感数", fmt=bold)
    for opinion_id, n in summary.most_reactions:
        line(str(opinion_id), n)
    row += 1
    line("日別", "件数", fmt=bold)
    first_day = row
    for day, n in summary.by_day:
        line(day, n)
    if summary.by_day:
        chart = book.add_chart({"type": "column"})
        chart.add_series(
            {
                "name": "日別の意見数",
                "categories": ["概要", first_day, 0, row - 1, 0],
                "values": ["概要", first_day, 1, row - 1, 1],
            }
        )
        chart.set_legend({"none": True})
        sheet.insert_chart(1, 5, chart, {"x_scale": 1.6, "y_scale": 1.2})

    sheet = book.add_worksheet("意見")
    for col, (_name, heading) in enumerate(COLUMNS):
        sheet.write_string(0, col, heading, bold)
    sheet.set_column(7, 7, 60, wrap)
    sheet.freeze_panes(1, 0)
    for r, o in enumerate(opinions, start=1):
        for col, value in enumerate(_values(o, statuses)):
            if isinstance(value, str):
                sheet.write_string(r, col, excel_safe(value))
            else:
                sheet.write_number(r, col, value)
    book.close()
    return len(opinions)


def report_css() -> str:
    """The report's stylesheet, embedded in it: a saved report reads and prints the same offline."""
    return (Path(current_app.static_folder or "static") / REPORT_CSS).read_text(encoding="utf-8")


def report_style_source() -> str:
    """The CSP source allowing exactly the embedded stylesheet, for a report opened in the browser."""
    digest = hashlib.sha256(report_css().encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def write_report(opinions: list[Opinion], summary: Summary, path: Path, meta: dict, answer_tables=()) -> int:
    """Printable HTML (A4 print CSS, no scripts, no inline style attributes): the summary, the
    published answer tables of the rooms, and the opinions when not too many."""
    by_id = {o.id: o for o in opinions}
    peak = max((n for _d, n in summary.by_day), default=0)
    html = render_template(
        "exports/report.html",
        summary=summary,
        opinions=opinions,
        by_id=by_id,
        meta=meta,
        css=report_css(),
        statuses=status_names(),
        peak=peak,
        full_list=len(opinions) <= REPORT_FULL_LIST_LIMIT,
        limit=REPORT_FULL_LIST_LIMIT,
        answer_tables=answer_tables,
        reflections=reflection_names(),
    )
    path.write_text(html, encoding="utf-8")
    return len(opinions)


def now_iso(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat()


# ---------------------------------------------------------------- the answer table

ANSWER_COLUMNS = ("No.", "意見の概要", "市の考え方", "反映状況", "意見ID", "意見番号")


def reflection_names() -> dict[str, str]:
    """反映 / 一部反映 / 反映なし / その他: the answer table is the city's document, in Japanese."""
    from forum.labels import REFLECTION_NAMES

    with force_locale("ja"):
        return {str(key): str(label) for key, label in REFLECTION_NAMES.items()}


def answer_rows(table) -> list[list]:
    names = reflection_names()
    return [
        [
            row.number,
            row.summary,
            row.response,
            names.get(row.reflection, row.reflection),
            ", ".join(str(i) for i in row.opinion_ids),
            row.refs,
        ]
        for row in table.rows
    ]


def write_answer_csv(table, path: Path) -> int:
    """The answer table as Excel CSV (UTF-8 with BOM, CRLF, quoted, formulas neutralised)."""
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
        writer.writerow(ANSWER_COLUMNS)
        for values in answer_rows(table):
            writer.writerow([excel_safe(v) if isinstance(v, str) else v for v in values])
    return len(table.rows)


def write_answer_xlsx(table, path: Path) -> int:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    bold = book.add_format({"bold": True, "border": 1, "bg_color": "#E8EEF7", "text_wrap": True})
    cell = book.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    sheet = book.add_worksheet("意見の概要と市の考え方")
    sheet.write_string(0, 0, excel_safe(f"{table.room.title} 意見の概要と市の考え方"), book.add_format({"bold": True}))
    if table.intro:
        sheet.write_string(1, 0, excel_safe(table.intro))
    for col, (heading, width) in enumerate(zip(ANSWER_COLUMNS, (6, 50, 50, 10, 20, 20), strict=True)):
        sheet.write_string(3, col, heading, bold)
        sheet.set_column(col, col, width)
    for r, values in enumerate(answer_rows(table), start=4):
        for col, value in enumerate(values):
            if isinstance(value, str):
                sheet.write_string(r, col, excel_safe(value), cell)
            else:
                sheet.write_number(r, col, value, cell)
    sheet.repeat_rows(3)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    book.close()
    return len(table.rows)


def write_answer_report(table, path: Path) -> int:
    html = render_template("exports/answer_table.html", table=table, names=reflection_names())
    path.write_text(html, encoding="utf-8")
    return len(table.rows)
