"""State only: models moved to their own apps leave this one (issue 16).

The tables stay as they are (kobepost/lib/moved_models.py).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('privacy', '0001_initial'),
        ('public', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
            migrations.AddField(
                model_name='legalhold',
                name='citizen',
                field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='legal_holds', to='public.citizen', verbose_name='市民アカウント'),
            ),
            migrations.AddField(
                model_name='legalhold',
                name='created_by',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='設定者'),
            ),
            migrations.AddField(
                model_name='legalhold',
                name='data_request',
                field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='holds', to='privacy.datarequest', verbose_name='開示等の請求'),
            ),
            migrations.AddField(
                model_name='legalhold',
                name='post',
                field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='legal_holds', to='public.post', verbose_name='投稿'),
            ),
            migrations.AddConstraint(
                model_name='disposalbatch',
                constraint=models.UniqueConstraint(condition=models.Q(('status', 'pending')), fields=('status',), name='disposal_one_pending_batch'),
            ),
            migrations.AddConstraint(
                model_name='disposalitem',
                constraint=models.UniqueConstraint(fields=('batch', 'kind', 'record_id'), name='disposal_item_once_per_batch'),
            ),
            migrations.AddConstraint(
                model_name='legalhold',
                constraint=models.CheckConstraint(condition=models.Q(models.Q(('case__isnull', False), ('citizen__isnull', True), ('post__isnull', True)), models.Q(('case__isnull', True), ('citizen__isnull', True), ('post__isnull', False)), models.Q(('case__isnull', True), ('citizen__isnull', False), ('post__isnull', True)), _connector='OR'), name='legal_hold_exactly_one_record'),
            ),
            ],
        ),
    ]
