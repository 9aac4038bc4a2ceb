"""Admin: emails that could not be delivered, with "send again"."""

from flask import request, url_for
from flask_login import current_user

from .. import outbox
from ..i18n import gettext as _
from ..permissions import can_administer, requires
from ..web import db_int, perform, redirect_to, refusal, render
from . import bp

PER_PAGE = 25


def _page():
    return request.values.get("page", 1, type=db_int)


def _render(status=200):
    return render("admin/mail.html", status=status,
                  page=outbox.failed_page(_page(), PER_PAGE),
                  pending=outbox.pending_count())


@bp.route("/mail")
@requires(can_administer)
def mail():
    return _render()


@bp.route("/mail/<int:email_id>/send-again", methods=["POST"])
@requires(can_administer)
def send_again(email_id):
    back = url_for("admin.mail", page=_page() if _page() > 1 else None)
    done = perform(outbox.send_again, current_user, email_id,
                   success=_("The email is back in the queue: it will be sent again."))
    if not done:
        return refusal(done, back)
    if request.htmx:
        return _render()
    return redirect_to(back)
