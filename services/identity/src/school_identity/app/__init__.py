"""Identity's use cases: sign-in steps and sessions, accounts and MFA, roles and assignments, staff
records, the account review and the audit log; they depend on ports, never on transports."""
