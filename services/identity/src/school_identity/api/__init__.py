"""Identity's gRPC servicers (IdentityService, StaffService, AccessService) and their permission table."""
