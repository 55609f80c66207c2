"""SQLAlchemy models. No request code here; services own the transactions."""

from forum.models.answer_table import AnswerRow, AnswerTable, AnswerTableState, Reflection
from forum.models.board import Board, BoardKind, BoardMember
from forum.models.department import Department
from forum.models.export_job import ExportJob, JobState
from forum.models.letter import Letter, LetterStatus
from forum.models.mail_outbox import MailOutbox
from forum.models.notification import Notification, NotifyMode, Watch
from forum.models.opinion import STANDARD_TAGS, OpinionTag
from forum.models.page_version import PageVersion
from forum.models.room import Area, DepartmentAnswer, Room, RoomReport, RoomState, RulesAcceptance
from forum.models.search_outbox import SearchOutbox
from forum.models.thread import HiddenBy, Post, PostRevision, PostState, Reaction, Thread, ThreadStatus
from forum.models.user import User

__all__ = [
    "STANDARD_TAGS",
    "AnswerRow",
    "AnswerTable",
    "AnswerTableState",
    "Area",
    "Board",
    "BoardKind",
    "BoardMember",
    "Department",
    "DepartmentAnswer",
    "ExportJob",
    "HiddenBy",
    "JobState",
    "Letter",
    "LetterStatus",
    "MailOutbox",
    "Notification",
    "NotifyMode",
    "OpinionTag",
    "PageVersion",
    "Post",
    "PostRevision",
    "PostState",
    "Reaction",
    "Reflection",
    "Room",
    "RoomReport",
    "RoomState",
    "RulesAcceptance",
    "SearchOutbox",
    "Thread",
    "ThreadStatus",
    "User",
    "Watch",
]
