"""SQLAlchemy models. No request code here; services own the transactions."""

from forum.models.department import Department
from forum.models.user import User

__all__ = ["Department", "User"]
