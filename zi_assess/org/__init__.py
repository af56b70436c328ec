"""Instansi, units, accounts, roles and prerequisite records (administration)."""
