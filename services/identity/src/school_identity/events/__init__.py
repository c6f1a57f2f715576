"""Identity's events: outbound mappers (domain → protobuf) and inbound handlers (students' years and classes)."""
