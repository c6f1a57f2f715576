"""Pure rules and entities of the grades context (no gRPC, SQLAlchemy or Kafka imports)."""
