"""Use cases of the grades context (roster projection and queries) and the ports they need."""
