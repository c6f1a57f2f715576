"""Identity's adapters: SQLAlchemy tables, repositories, unit of work and the Argon2 hasher."""
