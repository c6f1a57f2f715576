"""Identity's domain: roles, permissions and scopes, sign-in rules (passwords, TOTP, throttling),
sessions, staff records and their spreadsheet template, the account review; pure Python only."""
