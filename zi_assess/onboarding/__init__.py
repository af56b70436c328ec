"""Bulk onboarding: instansi, units and accounts with their roles from one workbook (xlsx or csv)."""
