"""Pure rules and entities of the students context (no gRPC, SQLAlchemy or Kafka imports)."""
