"""Use cases of the students context and the ports (Protocols) they need from adapters."""
