"""Assessments: loading, layer scores, the operations that change them, and (later) their pages."""
