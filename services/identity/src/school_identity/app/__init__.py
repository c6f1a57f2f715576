"""Identity's use cases: sign-in, sessions, the caller's own principal, account creation."""
