"""State only: models moved to their own apps leave this one (issue 16).

The tables stay as they are (kobepost/lib/moved_models.py).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('kobepost', '0014_audit_notifications_posts_moved_out'),
        ('privacy', '0001_initial'),
        ('tickets', '0021_case_status_rank_indexes'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
            migrations.RemoveField(
                model_name='datacorrection',
                name='corrected_by',
            ),
            migrations.RemoveField(
                model_name='datacorrection',
                name='data_request',
            ),
            migrations.RemoveField(
                model_name='datacorrection',
                name='event',
            ),
            migrations.RemoveField(
                model_name='datarequest',
                name='created_by',
            ),
            migrations.RemoveConstraint(
                model_name='disposalbatch',
                name='disposal_one_pending_batch',
            ),
            migrations.RemoveConstraint(
                model_name='disposalitem',
                name='disposal_item_once_per_batch',
            ),
            migrations.RemoveConstraint(
                model_name='legalhold',
                name='legal_hold_exactly_one_record',
            ),
            migrations.AlterField(
                model_name='category',
                name='retention_class',
                field=models.ForeignKey(blank=True, help_text='未設定ならダイヤルの保存年限に従います。', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='categories', to='privacy.retentionclass', verbose_name='保存年限'),
            ),
            migrations.AlterField(
                model_name='dial',
                name='retention_class',
                field=models.ForeignKey(blank=True, help_text='分類に保存年限がないときに使います。未設定の案件は廃棄されません。', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='dials', to='privacy.retentionclass', verbose_name='保存年限'),
            ),
            migrations.DeleteModel(
                name='DataCorrection',
            ),
            migrations.RemoveField(
                model_name='disposalbatch',
                name='approved_by',
            ),
            migrations.RemoveField(
                model_name='disposalitem',
                name='batch',
            ),
            migrations.RemoveField(
                model_name='legalhold',
                name='case',
            ),
            migrations.RemoveField(
                model_name='legalhold',
                name='citizen',
            ),
            migrations.RemoveField(
                model_name='legalhold',
                name='created_by',
            ),
            migrations.RemoveField(
                model_name='legalhold',
                name='data_request',
            ),
            migrations.RemoveField(
                model_name='legalhold',
                name='post',
            ),
            migrations.DeleteModel(
                name='RetentionClass',
            ),
            migrations.DeleteModel(
                name='DisposalBatch',
            ),
            migrations.DeleteModel(
                name='DisposalItem',
            ),
            migrations.DeleteModel(
                name='DataRequest',
            ),
            migrations.DeleteModel(
                name='LegalHold',
            ),
            ],
        ),
    ]
