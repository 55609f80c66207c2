"""Demo content: the one place demo data grows. Each capability adds its own part here.

Idempotent: running it again finds what exists (by name, title or e-mail), adds nothing twice
and resets the demo passwords to the printed ones, so the printed list is always true.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from forum import clock, data
from forum.extensions import db
from forum.models import (
    AnswerRow,
    AnswerTable,
    AnswerTableState,
    Area,
    Board,
    BoardKind,
    BoardMember,
    Department,
    DepartmentAnswer,
    Letter,
    LetterStatus,
    Post,
    PostState,
    Reaction,
    Reflection,
    Room,
    RoomReport,
    RoomState,
    Thread,
    ThreadStatus,
    User,
    Watch,
)
from forum.permissions import Role
from forum.services import accounts, posts, rooms
from moderation import gate
from moderation import rules as engine

DEPARTMENTS = [
    ("企画政策課", "市の総合計画と市民参加の推進を担当します。", "代表 0000-00-0000（内線 1101）"),
    ("防災危機管理課", "地域防災計画、避難所、防災訓練を担当します。", "代表 0000-00-0000（内線 2201）"),
    ("都市計画課", "まちづくり、公園、交通計画を担当します。", "代表 0000-00-0000（内線 3301）"),
    ("子育て支援課", "保育、子育て支援、児童館を担当します。", "代表 0000-00-0000（内線 4401）"),
    ("情報政策課", "電子市役所、情報システム、個人情報保護を担当します。", "代表 0000-00-0000（内線 5501）"),
]


@dataclass(frozen=True)
class DemoUser:
    handle: str
    email: str
    password: str
    role: Role
    department: str | None = None
    verified: bool = True


USERS = [
    DemoUser("管理者", "admin@example.jp", "kanri-2026-demo", Role.ADMIN),
    DemoUser("運営スタッフ", "moderator@example.jp", "unei-2026-demo", Role.MODERATOR),
    DemoUser("企画政策課 担当", "kikaku@example.jp", "shokuin-2026-demo", Role.STAFF, "企画政策課"),
    DemoUser("防災危機管理課 担当", "bousai@example.jp", "shokuin-2026-demo", Role.STAFF, "防災危機管理課"),
    DemoUser("都市計画課 担当", "toshi@example.jp", "shokuin-2026-demo", Role.STAFF, "都市計画課"),
    DemoUser("情報政策課 担当", "joho@example.jp", "shokuin-2026-demo", Role.STAFF, "情報政策課"),
    DemoUser("さくらコーディネーター", "coordinator@example.jp", "coord-2026-demo", Role.COORDINATOR),
    DemoUser("ひまわり", "himawari@example.jp", "shimin-2026-demo", Role.RESIDENT),
    DemoUser("みなと太郎", "taro@example.jp", "shimin-2026-demo", Role.RESIDENT),
    DemoUser("けやき通り", "keyaki@example.jp", "shimin-2026-demo", Role.RESIDENT),
    DemoUser("市川の住民", "ichikawa@example.jp", "shimin-2026-demo", Role.RESIDENT),
    DemoUser("はじめての市民", "new@example.jp", "shimin-2026-demo", Role.RESIDENT, verified=False),
]

RESIDENT_EMAILS = ["himawari@example.jp", "taro@example.jp", "keyaki@example.jp", "ichikawa@example.jp"]


@dataclass(frozen=True)
class DemoRoom:
    title: str
    area: Area
    state: RoomState
    department: str | None
    purpose: str
    threads: tuple[str, ...]
    days_open: tuple[int, int]  # opened N days ago, closes in M days (negative: closed M days ago)
    proposer: str | None = None
    easy_summary: str = ""  # やさしい日本語


ROOMS = [
    DemoRoom(
        "電子市役所の使いやすさについて",
        Area.CITY,
        RoomState.OPEN,
        "情報政策課",
        "市のホームページや電子申請を、もっと使いやすくするためのご意見を募集します。",
        ("電子申請で困ったこと", "高齢者にやさしいホームページとは", "マイナンバーカードの活用"),
        (12, 18),
    ),
    DemoRoom(
        "地域の防災と避難所運営",
        Area.CITY,
        RoomState.OPEN,
        "防災危機管理課",
        "避難所の運営や防災訓練について、地域の経験や提案をお寄せください。",
        ("避難所での情報の伝え方", "防災訓練への参加を増やすには"),
        (20, 10),
        easy_summary=(
            "この 会議室では、地震や 大雨の ときに 逃げる 場所（避難所）に ついて 話します。\n"
            "避難所で 困った ことや、こう したら よい と 思う ことを 書いて ください。\n"
            "市役所の 防災危機管理課が 読んで、答えます。"
        ),
    ),
    DemoRoom(
        "駅前広場の再整備",
        Area.CITY,
        RoomState.CLOSED,
        "都市計画課",
        "駅前広場の再整備計画について、利用者の視点からご意見を伺いました。",
        ("バスとタクシーの乗り場", "ベンチと日陰を増やしてほしい"),
        (45, -5),
    ),
    DemoRoom(
        "市民参加のこれから",
        Area.CITY,
        RoomState.REPORTED,
        "企画政策課",
        "市政への市民参加をどう広げるか、電子会議室のあり方を含めて話し合いました。",
        ("若い世代の参加", "会議室の運営ルール"),
        (60, -20),
    ),
    DemoRoom(
        "行政情報の公開と個人情報保護",
        Area.CITY,
        RoomState.ANSWERED,
        "情報政策課",
        "情報公開と個人情報保護の両立について話し合いました。",
        ("オープンデータの公開", "個人情報の取扱い"),
        (90, -45),
    ),
    DemoRoom(
        "子どもの居場所づくり",
        Area.CITIZEN,
        RoomState.OPEN,
        None,
        "放課後や休日の子どもの居場所について、地域でできることを話し合いましょう。",
        ("放課後の過ごし方", "地域の大人ができること"),
        (8, 22),
        "himawari@example.jp",
    ),
    DemoRoom(
        "商店街のにぎわい",
        Area.CITIZEN,
        RoomState.PROPOSED,
        None,
        "商店街をもっとにぎやかにするアイデアを出し合いたいです。",
        (),
        (-3, 30),
        "taro@example.jp",
    ),
    DemoRoom(
        "特定の店舗の宣伝",
        Area.CITIZEN,
        RoomState.DECLINED,
        None,
        "私の店のセール情報をお知らせする会議室を作りたいです。",
        (),
        (-3, 30),
        "keyaki@example.jp",
    ),
]

BOARDS = [
    (
        "みなと町自治会",
        BoardKind.COMMUNITY,
        "自治会の行事や回覧のお知らせ、会員どうしの連絡に使います。",
        "keyaki@example.jp",
        ("秋の清掃活動のお知らせ",),
    ),
    (
        "防災ボランティアの会",
        BoardKind.VOLUNTEER,
        "防災訓練の手伝いや備蓄品の点検をするボランティアの掲示板です。",
        "ichikawa@example.jp",
        ("備蓄品点検の日程",),
    ),
    (
        "市からのお知らせ",
        BoardKind.ANNOUNCEMENT,
        "市役所からのお知らせを掲載します。",
        "kikaku@example.jp",
        ("電子会議室の利用案内",),
    ),
    (
        "庁内掲示板",
        BoardKind.STAFF,
        "職員どうしの連絡用です。市民には表示されません。",
        None,
        ("会議室の回答期限について",),
    ),
]


def load() -> list[DemoUser]:
    """Create or refresh all demo content; returns the users to print."""
    by_name = _departments()
    users = _users(by_name)
    _rooms(users, by_name)
    _boards(users)
    _fill_with_corpus(users)
    _answer_tables(users)
    _letters_and_watches(users, by_name)
    _held_post(users)
    db.session.commit()
    return USERS


def _departments() -> dict[str, Department]:
    by_name = {}
    for name, description, contact in DEPARTMENTS:
        dept = db.session.scalar(select(Department).where(Department.name == name))
        if dept is None:
            dept = Department(name=name, description=description, contact=contact)
            db.session.add(dept)
        by_name[name] = dept
    db.session.flush()
    return by_name


def _users(by_name: dict[str, Department]) -> dict[str, User]:
    users = {}
    for demo in USERS:
        department = by_name.get(demo.department or "")
        user = accounts.user_by_email(demo.email)
        if user is None:
            user = accounts.create_user(
                demo.handle,
                demo.email,
                demo.password,
                role=demo.role,
                department=department,
                verified=demo.verified,
                allow_reserved=True,
            )
            if demo.verified:  # established residents: not "new" for the moderation rate limits
                user.created_at = clock.now() - timedelta(days=120)
        else:
            user.role = demo.role.value
            user.department = department
            user.password_hash = accounts.hash_password(demo.password)
            user.locked_until = None
            user.failed_logins = 0
            if demo.verified and user.email_verified_at is None:
                user.email_verified_at = clock.now()
        db.session.flush()
        users[demo.email] = user
    return users


def _rooms(users: dict[str, User], by_name: dict[str, Department]) -> None:
    now = clock.now()
    coordinator = users["coordinator@example.jp"]
    for demo in ROOMS:
        if db.session.scalar(select(Room).where(Room.title == demo.title)):
            continue
        opened, closes = demo.days_open
        room = Room(
            area=demo.area.value,
            title=demo.title,
            purpose=demo.purpose,
            posting_rules=rooms.DEFAULT_POSTING_RULES,
            handling=rooms.DEFAULT_HANDLING,
            easy_summary=demo.easy_summary,
            opens_at=now - timedelta(days=opened),
            closes_at=now + timedelta(days=closes),
            state=demo.state.value,
            department=by_name.get(demo.department or ""),
            proposer=users.get(demo.proposer or ""),
            created_at=now - timedelta(days=opened + 5),
        )
        if demo.state not in (RoomState.PROPOSED, RoomState.DECLINED):
            room.coordinators = [coordinator]
            room.decided_at = room.created_at
        if demo.state == RoomState.DECLINED:
            room.decline_reason = (
                "特定の店舗の宣伝は、サイトの運営ルール（営利目的の宣伝の禁止）に当たるため、"
                "会議室として開設できません。商店街全体のにぎわいについての会議室をご提案ください。"
            )
        db.session.add(room)
        for title in demo.threads:
            starter = users[RESIDENT_EMAILS[len(title) % len(RESIDENT_EMAILS)]]
            db.session.add(
                Thread(
                    room=room,
                    title=title,
                    author=starter,
                    next_number=1,
                    public_post_count=0,
                    created_at=room.opens_at,
                    last_posted_at=room.opens_at,
                )
            )
        if demo.state in (RoomState.REPORTED, RoomState.ANSWERED):
            room.report = RoomReport(
                author=coordinator,
                submitted_at=room.closes_at + timedelta(days=3),
                due_at=room.closes_at + timedelta(days=3 + (room.answer_days or 30)),
                body=f"「{demo.title}」には多くのご意見をいただきました。主な論点は次のとおりです。\n"
                "1. 情報をわかりやすく届けてほしいという意見が多数ありました。\n"
                "2. 高齢者や障害のある方への配慮を求める意見がありました。\n"
                "3. 市民と市が継続して話し合う場を求める意見がありました。",
            )
        if demo.state == RoomState.ANSWERED:
            room.answer = DepartmentAnswer(
                author=users["joho@example.jp"],
                published_at=room.closes_at + timedelta(days=20),
                body="会議室報告をいただき、ありがとうございました。いただいたご意見を踏まえ、"
                "来年度からオープンデータの公開項目を拡充し、個人情報の取扱い方針をわかりやすく公開します。"
                "検討の経過は、このページで引き続きお知らせします。",
            )
    db.session.flush()


def _boards(users: dict[str, User]) -> None:
    for name, kind, description, owner_email, threads in BOARDS:
        if db.session.scalar(select(Board).where(Board.name == name)):
            continue
        board = Board(name=name, kind=kind.value, description=description)
        if owner_email:
            board.memberships = [BoardMember(user=users[owner_email], is_owner=True)] + [
                BoardMember(user=users[e]) for e in RESIDENT_EMAILS if e != owner_email
            ]
        db.session.add(board)
        author = users[owner_email] if owner_email else users["kikaku@example.jp"]
        for title in threads:
            thread = Thread(
                board=board,
                title=title,
                author=author,
                next_number=1,
                public_post_count=0,
                created_at=clock.now() - timedelta(days=30),
                last_posted_at=clock.now() - timedelta(days=30),
            )
            db.session.add(thread)
            if board.is_staff_only:
                notice = (
                    "各課の皆さまへ。会議室報告への回答期限は、報告の受理から30日です。"
                    "期限の近い報告は管理画面で確認してください。"
                )
                posts.add_existing_post(thread, author, notice, thread.created_at)
    db.session.flush()


def corpus_paragraphs() -> list[str]:
    """Every paragraph of the corpus the demo is made of (the one shipped in ``forum/data``)."""
    configured = current_app.config.get("DEMO_CORPUS")
    return data.corpus_paragraphs(Path(configured) if configured else None)


def _fill_with_corpus(users: dict[str, User]) -> None:
    """Spread every corpus paragraph over the demo threads as public posts, once."""
    threads = db.session.scalars(select(Thread).where(Thread.next_number == 1).order_by(Thread.id)).all()
    threads = [t for t in threads if not (t.board and t.board.is_staff_only)]
    if not threads:
        return
    rng = random.Random(20261123)  # noqa: S311 (the same demo every time, not security)
    residents = [users[e] for e in RESIDENT_EMAILS]
    paragraphs = corpus_paragraphs()
    created: list[Post] = []
    for i, thread in enumerate(threads):
        chunk = paragraphs[i :: len(threads)]  # round robin: every thread gets its share
        if not chunk:
            continue
        place = posts.place_of(thread)
        start = thread.created_at
        end = min(getattr(place, "closes_at", clock.now()), clock.now())
        step = (end - start) / (len(chunk) + 1)
        previous = None
        for n, text in enumerate(chunk):
            author = residents[(thread.id + n) % len(residents)]
            reply_to = previous if previous is not None and rng.random() < 0.3 else None
            previous = posts.add_existing_post(thread, author, text, start + step * (n + 1), reply_to)
            created.append(previous)
        db.session.flush()
        _official_answer(thread, users, start + step * (len(chunk) + 0.5))
    _reactions(rng, residents, created)


def _answer_tables(users: dict[str, User]) -> None:
    """A published answer table (意見の概要と市の考え方) for each answered room: one row per topic,
    linked to the topic's opinions, so the closed loop can be seen in the demo."""
    responses = [
        ("いただいたご意見を踏まえ、来年度から対応を始めます。", Reflection.REFLECTED),
        ("ご意見の一部を取り入れ、実施方法を検討しています。", Reflection.PARTLY),
        ("現時点では対応が難しいため、引き続き研究します。", Reflection.NOT_REFLECTED),
    ]
    answered = db.session.scalars(select(Room).where(Room.state == RoomState.ANSWERED.value).order_by(Room.id))
    for room in answered:
        if db.session.scalar(select(AnswerTable).where(AnswerTable.room_id == room.id)) is not None:
            continue
        rows = []
        threads = db.session.scalars(select(Thread).where(Thread.room_id == room.id).order_by(Thread.id))
        for number, thread in enumerate(threads, start=1):
            opinions = list(
                db.session.scalars(
                    select(Post)
                    .where(
                        Post.thread_id == thread.id,
                        Post.state == PostState.PUBLISHED.value,
                        Post.is_official.is_(False),
                    )
                    .order_by(Post.id)
                )
            )
            if not opinions:
                continue
            response, reflection = responses[(number - 1) % len(responses)]
            rows.append(
                AnswerRow(
                    number=len(rows) + 1,
                    reflection=reflection.value,
                    response=response,
                    summary=f"「{thread.title}」について、{len(opinions)}件のご意見をいただきました。",
                    opinions=opinions,
                )
            )
        when = room.answer.published_at if room.answer else clock.now()
        db.session.add(
            AnswerTable(
                room=room,
                state=AnswerTableState.PUBLISHED.value,
                rows=rows,
                intro="いただいたご意見ごとの市の考え方は次のとおりです。",
                drafted_by=users["joho@example.jp"].id,
                approved_by=users["admin@example.jp"].id,
                submitted_at=when,
                approved_at=when,
                published_at=when,
            )
        )
    db.session.flush()


def _official_answer(thread: Thread, users: dict[str, User], when) -> None:
    room = thread.room
    if room is None or room.department is None:
        return
    staff = next((u for u in users.values() if u.department_id == room.department_id), None)
    if staff is None:
        return
    posts.add_existing_post(
        thread,
        staff,
        "ご意見ありがとうございます。担当課で内容を確認し、検討状況をこの話題でお知らせします。",
        when,
        official=True,
    )
    thread.status = ThreadStatus.CONSIDERING.value
    thread.status_note = "いただいたご意見をもとに、担当課で検討しています。"
    thread.status_updated_at = when


def _reactions(rng: random.Random, residents: list[User], new_posts: list[Post]) -> None:
    for post in new_posts:
        for user in residents:
            if user.id != post.author_id and rng.random() < 0.25:
                db.session.add(Reaction(post_id=post.id, user_id=user.id, created_at=post.created_at))
    db.session.flush()
    counts = dict(db.session.execute(select(Reaction.post_id, func.count()).group_by(Reaction.post_id)).all())
    for post in new_posts:
        post.reaction_count = counts.get(post.id, 0)


def _letters_and_watches(users: dict[str, User], by_name: dict[str, Department]) -> None:
    """A replied letter, an unanswered one, and a resident watching a room."""
    if db.session.scalar(select(func.count()).select_from(Letter)):
        return
    now = clock.now()
    db.session.add(
        Letter(
            author=users["himawari@example.jp"],
            department=by_name["防災危機管理課"],
            subject="避難所の場所がわかりにくい",
            created_at=now - timedelta(days=6),
            body="近所の避難所への道に案内板がなく、夜は場所がわかりにくいです。案内板の設置を検討してください。",
            status=LetterStatus.REPLIED.value,
            replied_by=users["bousai@example.jp"],
            replied_at=now - timedelta(days=2),
            reply="お手紙ありがとうございます。現地を確認し、今年度中に案内板と夜間も見える表示を設置します。",
        )
    )
    db.session.add(
        Letter(
            author=users["taro@example.jp"],
            department=by_name["都市計画課"],
            subject="公園のベンチについて",
            body="駅前の公園のベンチが壊れたままです。修理の予定を教えてください。",
            created_at=now - timedelta(days=1),
            status=LetterStatus.RECEIVED.value,
        )
    )
    room = db.session.scalar(select(Room).where(Room.title == ROOMS[0].title))
    if room is not None:
        db.session.add(Watch(user_id=users["himawari@example.jp"].id, room_id=room.id))
    db.session.flush()


def _held_post(users: dict[str, User]) -> None:
    """One post the rules held (a phone number), waiting in the moderators' review queue."""
    if db.session.scalar(select(func.count()).select_from(Post).where(Post.state == PostState.PENDING.value)):
        return
    thread = db.session.scalar(select(Thread).join(Room).where(Room.title == ROOMS[1].title).order_by(Thread.id))
    if thread is None:
        return
    author = users["keyaki@example.jp"]
    post = posts.add_existing_post(
        thread,
        author,
        "避難所の鍵は自治会長が持っています。連絡先は090-1234-5678です。",
        clock.now() - timedelta(hours=3),
    )
    post.change_state(PostState.PENDING)
    db.session.flush()
    decision = engine.evaluate(
        engine.Draft(post.body),
        engine.AuthorContext(author.id, author.created_at, 50),
        [r for r in engine.default_rules() if r.kind is engine.Kind.PII],
        clock.now(),
    )
    gate.record_decision(decision, author, post)
