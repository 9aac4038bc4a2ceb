from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from mentorship.extensions import db


def test_migrations_match_the_models(empty_app):
    with empty_app.app_context():
        # Upgrade in steps, as a real installation does over time: each step must persist.
        upgrade(revision="f98116e16c4e")
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            differences = compare_metadata(context, db.metadata)
        assert differences == []
