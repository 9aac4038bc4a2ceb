"""The administrator's people list, a page at a time, with only what each row shows."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select

from ..accounts.models import User, UserRole
from ..database import RowsPage, folded
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


def _with_roles(rows):
    """The page's rows as PersonRow, each with its roles (one query for the page)."""
    people = [PersonRow(*row) for row in rows]
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
    return RowsPage(page=page, per_page=per_page, error_out=False, rows=rows, total=total,
                    shape=_with_roles)
