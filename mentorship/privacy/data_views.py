"""My data (/account/my-data, .json), asking for erasure (/account/delete), and the
coordinators' queue of erasure requests."""

from flask import current_app

from ..permissions import is_logged_in, requires
from ..web import attachment
from . import bp
from .export import export_person


@bp.route("/account/my-data.json")
@requires(is_logged_in)
def my_data_json():
    from flask_login import current_user

    return attachment(current_app.json.dumps(export_person(current_user)),
                      "my-data.json", "application/json")
