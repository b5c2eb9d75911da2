"""The models as a migration saw them, for tests that call a data migration's function.

A data migration asks its ``apps`` for models by the app label of its time ("kobepost.Post"),
which is not today's label for the models that moved to apps of their own (issue 16).
"""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.state import StateApps

# The last state before models moved out of the kobepost and tickets apps: every field the
# data migrations up to then know, under the labels they use.
BEFORE_THE_MOVE = [
    ("kobepost", "0013_service_attributes"),
    ("tickets", "0021_case_status_rank_indexes"),
]


def apps_before_the_move() -> StateApps:
    return MigrationExecutor(connection).loader.project_state(BEFORE_THE_MOVE).apps
