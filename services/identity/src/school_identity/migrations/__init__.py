"""Identity's Alembic migrations, shipped inside the package so an installed image can migrate."""
