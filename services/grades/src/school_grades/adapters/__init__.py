"""SQLAlchemy tables and repositories of the grades service."""
