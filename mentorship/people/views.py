"""The coordinator's people search and one person's whole picture."""

from flask import abort, request

from ..accounts.models import ROLE_LABELS
from ..dates import programme_today
from ..formtools import filter_values
from ..matching.models import REQUEST_STATE_LABELS
from ..permissions import can_coordinate, requires
from ..programme.services import active_neighbourhoods
from ..volunteering.models import (
    APPLICATION_STATE_LABELS,
    COMMITMENT_STATE_LABELS,
    ROLE_NAMES,
)
from ..web import db_int, render
from . import bp, services
from .forms import QUERY_MAX, PeopleSearchForm

FILTERS = ("role", "status", "neighbourhood")


def _texts(labels):
    """A dict of lazy labels read once in the request's language (a page of rows looks
    each up many times)."""
    return {key: str(label) for key, label in labels.items()}


@bp.get("/coordinate/people")
@requires(can_coordinate)
def index():
    form = PeopleSearchForm(
        request.args,
        neighbourhood_choices=[(str(n.id), n.name) for n in active_neighbourhoods()])
    filters = filter_values(form, FILTERS)
    # Like the filters, an over-long query is no mistake to point out: its start is searched.
    query = (form.q.data or "").strip()[:QUERY_MAX]
    form.q.errors = []
    today = programme_today()
    results = services.search(
        query=query, role=filters["role"], status=filters["status"],
        neighbourhood_id=int(filters["neighbourhood"]) if filters["neighbourhood"] else None,
        today=today, page=request.args.get("page", 1, type=db_int))
    return render("people/index.html", form=form, query=query, filters=filters,
                  page=results.page, standing=results.standing,
                  role_labels=_texts(ROLE_LABELS), role_texts=_texts(ROLE_NAMES),
                  commitment_state_texts=_texts(COMMITMENT_STATE_LABELS),
                  application_state_texts=_texts(APPLICATION_STATE_LABELS),
                  request_state_texts=_texts(REQUEST_STATE_LABELS))


@bp.get("/coordinate/people/<int:user_id>")
@requires(can_coordinate)
def person(user_id):
    picture = services.person_picture(user_id) or abort(404)
    return render("people/person.html", picture=picture, person=picture.person,
                  today=programme_today(), role_labels=ROLE_LABELS,
                  shares_contact=services.SHARES_CONTACT_SUMMARY,
                  limit=services.SECTION_LIMIT)
