"""Identity's gRPC API: the IdentityService servicer."""
