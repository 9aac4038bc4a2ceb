"""Write to a group: recipients, preview, send once."""

from flask import abort

from . import bp

# Placeholder with the stable endpoint name (issue 16).


@bp.get("/coordinate/messages")
def compose():
    abort(404)
