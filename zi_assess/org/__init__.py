"""Instansi, units, users and yearly records (prerequisites, deadlines)."""
