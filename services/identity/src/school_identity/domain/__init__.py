"""Identity's domain: roles and permissions, session policy, usernames; pure Python only."""
