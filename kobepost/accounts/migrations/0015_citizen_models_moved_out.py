"""State only: models moved to their own apps leave this one (issue 16).

The tables stay as they are (kobepost/lib/moved_models.py).
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('kobepost', '0014_audit_notifications_posts_moved_out'),
        ('tickets', '0022_retention_models_moved_out'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
            migrations.DeleteModel(
                name='Citizen',
            ),
            migrations.DeleteModel(
                name='Post',
            ),
            migrations.DeleteModel(
                name='PostFollow',
            ),
            migrations.DeleteModel(
                name='PostCategory',
            ),
            migrations.DeleteModel(
                name='ServiceAttribute',
            ),
            ],
        ),
    ]
