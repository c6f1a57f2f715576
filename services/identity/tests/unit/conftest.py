"""Unit tests exercise identity's pure rules (domain) without a database, a network or Argon2."""
