"""WSGI entry point: ``gunicorn wsgi:app``."""

from zi_assess import create_app

app = create_app()
