"""Alembic migrations of the students database (shipped inside the package, run by ``migrate``)."""
