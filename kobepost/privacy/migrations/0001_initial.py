"""State only: the models of the privacy app, moved here from the tickets app (issue 16).

The tables stay as they are (kobepost/lib/moved_models.py).
"""

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from kobepost.lib.moved_models import content_types_follow


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('tickets', '0021_case_status_rank_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
            migrations.CreateModel(
                name='RetentionClass',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('name', models.CharField(max_length=100, unique=True, verbose_name='名称')),
                    ('years', models.PositiveSmallIntegerField(help_text='完結した日の属する年度の翌年度4月1日から数えます。', validators=[django.core.validators.MinValueValidator(1)], verbose_name='保存年限（年）')),
                ],
                options={
                    'verbose_name': '保存年限の区分',
                    'verbose_name_plural': '保存年限の区分',
                    'db_table': 'tickets_retentionclass',
                    'ordering': ['years', 'name'],
                },
            ),
            migrations.CreateModel(
                name='DataRequest',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('kind', models.CharField(choices=[('disclosure', '開示'), ('correction', '訂正'), ('suspension', '利用停止')], max_length=12, verbose_name='請求の種類')),
                    ('requester_name', models.CharField(blank=True, max_length=100, verbose_name='請求者の氏名')),
                    ('requester_kana', models.CharField(blank=True, max_length=100, verbose_name='氏名カナ')),
                    ('requester_phone', models.CharField(blank=True, max_length=30, verbose_name='電話番号')),
                    ('requester_email', models.EmailField(blank=True, max_length=254, verbose_name='メールアドレス')),
                    ('received_on', models.DateField(default=django.utils.timezone.localdate, verbose_name='受付日')),
                    ('note', models.TextField(blank=True, verbose_name='メモ')),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='登録日時')),
                    ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='完了日時')),
                    ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='受付者')),
                ],
                options={
                    'verbose_name': '開示等の請求',
                    'verbose_name_plural': '開示等の請求',
                    'db_table': 'tickets_datarequest',
                    'ordering': ['-created_at', '-pk'],
                },
            ),
            migrations.CreateModel(
                name='DataCorrection',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('record_type', models.CharField(max_length=100, verbose_name='記録の種類')),
                    ('record_id', models.CharField(max_length=64, verbose_name='記録ID')),
                    ('field', models.CharField(max_length=50, verbose_name='項目')),
                    ('old_value', models.TextField(blank=True, verbose_name='訂正前')),
                    ('new_value', models.TextField(blank=True, verbose_name='訂正後')),
                    ('corrected_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='訂正日時')),
                    ('reason', models.TextField(blank=True, verbose_name='訂正の理由')),
                    ('corrected_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='訂正者')),
                    ('event', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='corrections', to='tickets.caseevent', verbose_name='案件の経過')),
                    ('data_request', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='corrections', to='privacy.datarequest', verbose_name='請求')),
                ],
                options={
                    'verbose_name': '訂正の記録',
                    'verbose_name_plural': '訂正の記録',
                    'db_table': 'tickets_datacorrection',
                    'ordering': ['corrected_at', 'pk'],
                },
            ),
            migrations.CreateModel(
                name='DisposalBatch',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('status', models.CharField(choices=[('pending', '承認待ち'), ('disposed', '廃棄済')], default='pending', max_length=10, verbose_name='状態')),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='作成日時')),
                    ('approved_at', models.DateTimeField(blank=True, null=True, verbose_name='承認・廃棄日時')),
                    ('case_count', models.PositiveIntegerField(default=0, verbose_name='案件数')),
                    ('post_count', models.PositiveIntegerField(default=0, verbose_name='投稿数')),
                    ('citizen_count', models.PositiveIntegerField(default=0, verbose_name='市民アカウント数')),
                    ('call_note_count', models.PositiveIntegerField(default=0, verbose_name='消去した簡易対応のメモ数')),
                    ('call_number_count', models.PositiveIntegerField(default=0, verbose_name='消去した通話記録の電話番号数')),
                    ('file_count', models.PositiveIntegerField(default=0, verbose_name='削除したファイル数')),
                    ('skipped_count', models.PositiveIntegerField(default=0, verbose_name='保留により除外した数')),
                    ('files_to_delete', models.JSONField(blank=True, default=list, editable=False)),
                    ('approved_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='承認者')),
                ],
                options={
                    'verbose_name': '廃棄の記録',
                    'verbose_name_plural': '廃棄の記録',
                    'db_table': 'tickets_disposalbatch',
                    'ordering': ['-created_at', '-pk'],
                },
            ),
            migrations.CreateModel(
                name='DisposalItem',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('kind', models.CharField(choices=[('case', '案件'), ('post', 'KOBE ぽすと投稿'), ('citizen', '市民アカウント'), ('call_notes', '簡易対応のメモ'), ('calls', '通話記録の電話番号')], max_length=10, verbose_name='種類')),
                    ('record_id', models.PositiveBigIntegerField(verbose_name='記録ID')),
                    ('label', models.CharField(help_text='受付番号など', max_length=40, verbose_name='記録')),
                    ('expired_on', models.DateField(blank=True, null=True, verbose_name='保存期間の満了日')),
                    ('retention_class', models.CharField(blank=True, default='', max_length=120, verbose_name='保存年限の区分')),
                    ('outcome', models.CharField(choices=[('listed', '廃棄予定'), ('disposed', '廃棄済'), ('held', '保留のため除外')], default='listed', max_length=10, verbose_name='結果')),
                    ('batch', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='items', to='privacy.disposalbatch')),
                ],
                options={
                    'verbose_name': '廃棄対象',
                    'verbose_name_plural': '廃棄対象',
                    'db_table': 'tickets_disposalitem',
                    'ordering': ['kind', 'label'],
                },
            ),
            migrations.CreateModel(
                name='LegalHold',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('reason', models.CharField(max_length=200, verbose_name='理由')),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='設定日時')),
                    ('released_at', models.DateTimeField(blank=True, null=True, verbose_name='解除日時')),
                    ('case', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='legal_holds', to='tickets.case', verbose_name='案件')),
                ],
                options={
                    'verbose_name': '廃棄の保留（リーガルホールド）',
                    'verbose_name_plural': '廃棄の保留（リーガルホールド）',
                    'db_table': 'tickets_legalhold',
                    'ordering': ['-created_at'],
                },
            ),
            ],
        ),
        content_types_follow(from_label="tickets", to_label="privacy", models=['retentionclass', 'disposalbatch', 'disposalitem', 'legalhold', 'datarequest', 'datacorrection']),
    ]
