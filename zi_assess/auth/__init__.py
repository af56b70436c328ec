"""Signing in and out, session checks."""
