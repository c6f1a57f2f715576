"""schoolkit: the infrastructure every school service shares (no domain rules live here)."""
