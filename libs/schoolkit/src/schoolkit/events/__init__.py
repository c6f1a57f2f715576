"""The event bus: CloudEvents on Kafka, transactional outbox and relay, idempotent consumers."""
