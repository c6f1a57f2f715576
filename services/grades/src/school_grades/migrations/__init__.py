"""Alembic migrations of the grades database (shipped inside the package, run by ``migrate``)."""
