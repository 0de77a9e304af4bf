"""WSGI entry point (gunicorn customer_flow.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "customer_flow.settings")

application = get_wsgi_application()
