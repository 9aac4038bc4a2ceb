"""Answering a check-in: /checkins/<id>, one question per screen (helper B fills this)."""

from flask import abort

from . import bp


@bp.route("/checkins/<int:checkin_id>", methods=["GET", "POST"])
def checkin(checkin_id):
    abort(404)  # placeholder
