"""Identity's adapters: SQLAlchemy tables, repositories and unit of work, the Argon2 hasher, the Fernet
secret box for TOTP secrets, and the openpyxl spreadsheet codec."""
