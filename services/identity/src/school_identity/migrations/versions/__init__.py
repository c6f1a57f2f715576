"""Identity's migration revisions (Alembic ignores this file)."""
