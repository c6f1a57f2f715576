"""The gRPC face of the students service: proto ⇄ commands, domain errors → status codes."""
