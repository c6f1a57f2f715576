"""Alembic revisions of the students database, oldest first."""
