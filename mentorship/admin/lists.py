"""The administrator's people list, a page at a time, with only what each row shows."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, or_, select

from ..accounts.models import User, UserRole
from ..database import folded
from ..extensions import db

# The people list's account filter (forms.ACCOUNT_STATES): the accounts each shows.
ACCOUNT_FILTERS = {
    "enabled": User.is_enabled.is_(True),
    "disabled": User.is_enabled.is_(False) & User.erased_at.is_(None),
    "erased": User.erased_at.is_not(None),
}


@dataclass(slots=True)
class PersonRow:
    """One person as the list shows them (not the User: a page of 25 reads these columns
    only, and no ORM object is built)."""

    id: int
    name: str
    email: str | None
    is_enabled: bool
    disabled_reason: str | None
    erased_at: datetime | None
    roles: list = field(default_factory=list)  # their role codes, sorted

    @property
    def is_erased(self):
        return self.erased_at is not None


class _People(Pagination):
    """A page of PersonRow (``rows``: a select of the columns, filtered and ordered) with
    their roles, and their total (``total``: a count of the same filtered users)."""

    def _query_items(self):
        rows = self._query_args["rows"].limit(self.per_page).offset(self._query_offset)
        people = [PersonRow(*row) for row in db.session.execute(rows)]
        roles = defaultdict(list)
        if people:
            for user_id, role in db.session.execute(
                    select(UserRole.user_id, UserRole.role)
                    .where(UserRole.user_id.in_([person.id for person in people]))
                    .order_by(UserRole.role)):
                roles[user_id].append(role)
        for person in people:
            person.roles = roles[person.id]
        return people

    def _query_count(self):
        return db.session.scalar(self._query_args["total"])


def people_page(*, q=None, role=None, state=None, page=1, per_page=25):
    """People by name, as PersonRow: all, or those with ``q`` in their name or email
    (any case, any accents), holding ``role``, or whose account is in ``state``
    (ACCOUNT_FILTERS). Three statements whatever the page holds: the rows, their roles,
    their total."""
    conditions = []
    if q:
        pattern = f"%{q.strip().casefold()}%"
        conditions.append(or_(folded(User.name).like(pattern), User.email.like(pattern)))
    if role:
        conditions.append(User.roles.any(UserRole.role == role))
    if state in ACCOUNT_FILTERS:
        conditions.append(ACCOUNT_FILTERS[state])
    rows = (select(User.id, User.name, User.email, User.is_enabled, User.disabled_reason,
                   User.erased_at)
            .where(*conditions).order_by(User.name, User.id))
    total = select(func.count()).select_from(User).where(*conditions)
    return _People(page=page, per_page=per_page, error_out=False, rows=rows, total=total)
