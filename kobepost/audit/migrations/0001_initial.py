"""State only: the models of the audit app, moved here from the kobepost app (issue 16).

The tables stay as they are (kobepost/lib/moved_models.py).
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from kobepost.lib.moved_models import content_types_follow


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
            migrations.CreateModel(
                name='AuditEvent',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('occurred_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='日時')),
                    ('action', models.CharField(choices=[('login', 'ログイン'), ('logout', 'ログアウト'), ('login_failed', 'ログイン失敗'), ('lockout', 'ログインのロック'), ('network_refused', 'ネットワーク拒否'), ('permission_denied', '権限なしの拒否'), ('password_changed', 'パスワード変更'), ('otp_enrolled', '2段階認証の登録'), ('otp_verified', '2段階認証の確認'), ('otp_failed', '2段階認証の失敗'), ('record_view', '個人情報の閲覧'), ('record_print', '個人情報の印刷'), ('record_export', '個人情報の出力'), ('record_correct', '個人情報の訂正'), ('photo_redact', '写真のぼかし'), ('photo_original_drop', '写真の原本の削除'), ('audit_export', '監査ログの出力'), ('audit_purged', '監査ログの廃棄')], max_length=30, verbose_name='操作')),
                    ('username', models.CharField(blank=True, db_index=True, max_length=150, verbose_name='ID')),
                    ('address', models.CharField(blank=True, db_index=True, max_length=64, verbose_name='接続元アドレス')),
                    ('path', models.CharField(blank=True, max_length=500, verbose_name='URL')),
                    ('record_type', models.CharField(blank=True, max_length=100, verbose_name='記録の種類')),
                    ('record_id', models.CharField(blank=True, max_length=64, verbose_name='記録ID')),
                    ('fields', models.JSONField(blank=True, default=list, verbose_name='項目')),
                    ('detail', models.TextField(blank=True, verbose_name='詳細')),
                    ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='audit_events', to=settings.AUTH_USER_MODEL, verbose_name='職員')),
                ],
                options={
                    'verbose_name': '監査ログ',
                    'verbose_name_plural': '監査ログ',
                    'db_table': 'kobepost_auditevent',
                    'ordering': ['-occurred_at', '-id'],
                    'indexes': [models.Index(fields=['record_type', 'record_id'], name='audit_record_idx'), models.Index(fields=['action', 'occurred_at'], name='audit_action_time_idx')],
                },
            ),
            ],
        ),
        content_types_follow(from_label="kobepost", to_label="audit", models=['auditevent']),
    ]
