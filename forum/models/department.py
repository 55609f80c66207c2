"""Departments (所管課): the city's units that own rooms and answer residents."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum import clock
from forum.extensions import db
from forum.models.types import UTCDateTime


class Department(db.Model):
    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    contact: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    members: Mapped[list[User]] = relationship(  # noqa: F821
        back_populates="department", order_by="User.handle"
    )

    def __repr__(self) -> str:
        return f"<Department {self.id} {self.name}>"
