"""Predicate history: grants, two-yearly monitoring, revocation."""
