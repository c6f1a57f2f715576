"""school_identity: the identity service (accounts, roles, permissions, sessions, sign-in audit)."""

SERVICE_NAME = "identity"
"""The service's name: the audience of its internal tokens and the CloudEvents source segment."""

TOPIC = "school.identity.v1"
"""The Kafka topic identity publishes on (key = user id)."""
