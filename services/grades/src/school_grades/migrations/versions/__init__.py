"""Alembic revisions of the grades database, oldest first."""
