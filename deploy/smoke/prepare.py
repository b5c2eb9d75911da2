"""One Django start instead of four: migrate, seed_demo, collectstatic, a test mail.

Run by run-smoke.sh with the application's environment already exported.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kobepost.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402

call_command("migrate", interactive=False, verbosity=0)
call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
call_command("collectstatic", interactive=False, verbosity=0)
# Goes through EMAIL_HOST (the SMTP sink): proves the mail settings of the env file work.
call_command("sendtestemail", "smoke@kobepost.example")
