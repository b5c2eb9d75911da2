"""The Celery application that carries notification mail and scheduled jobs."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kobepost.settings")

app = Celery("kobepost")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
