"""The coordinator's people search and one person's whole picture."""

from flask import abort

from . import bp

# Placeholders with the stable endpoint names (issue 16).


@bp.get("/coordinate/people")
def index():
    abort(404)


@bp.get("/coordinate/people/<int:user_id>")
def person(user_id):
    abort(404)
