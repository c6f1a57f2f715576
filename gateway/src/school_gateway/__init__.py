"""school_gateway: the Flask gateway in front of the school platform's gRPC services."""
