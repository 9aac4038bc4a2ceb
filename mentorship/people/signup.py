"""Assisted sign-up: a coordinator registers a newcomer and prints an invitation."""

from flask import abort

from . import bp

# Placeholders with the stable endpoint names (issue 16); the helper building assisted
# sign-up replaces them.


@bp.get("/coordinate/people/new")
def new_person():
    abort(404)


@bp.get("/coordinate/people/<int:user_id>/invitation")
def invitation(user_id):
    abort(404)


@bp.get("/coordinate/people/<int:user_id>/request")
def request_for(user_id):
    abort(404)


@bp.get("/coordinate/people/to-call")
def to_call():
    abort(404)


@bp.get("/invite/<code>")
def claim(code):
    abort(404)
