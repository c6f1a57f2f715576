"""Identity's events: outbound mappers from domain events to protobuf messages (it consumes none)."""
