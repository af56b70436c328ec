"""Maintenance: ``zi-assess maint sweep`` (stuck exports, retention, temporaries, orphaned
objects) and ``zi-assess storage verify`` (every row has its object and the object its hash)."""
