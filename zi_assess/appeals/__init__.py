"""Sanggah (appeal) after a TPN decision: filed once by the unit, answered by the TPN, decided once."""
