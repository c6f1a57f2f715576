"""The gRPC face of the grades service: permission, tenant, proto mapping, error statuses."""
