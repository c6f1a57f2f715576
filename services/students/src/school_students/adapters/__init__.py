"""SQLAlchemy tables, repositories and the unit of work that also writes the outbox."""
