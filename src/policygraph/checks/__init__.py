"""checks stage."""
