"""State only: the models of the notifications app, moved here from the kobepost app (issue 16).

The tables stay as they are (kobepost/lib/moved_models.py).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from kobepost.lib.moved_models import content_types_follow


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('departments', '0003_canned_replies_agencies_attachments'),
        ('kobepost', '0014_audit_notifications_posts_moved_out'),
        ('tickets', '0021_case_status_rank_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
            migrations.CreateModel(
                name='NoticeCursor',
                fields=[
                    ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='notice_cursor', serialize=False, to=settings.AUTH_USER_MODEL)),
                    ('last_seen_id', models.BigIntegerField(default=0)),
                ],
                options={
                    'verbose_name': 'お知らせの既読位置',
                    'verbose_name_plural': 'お知らせの既読位置',
                    'db_table': 'kobepost_noticecursor',
                },
            ),
            migrations.CreateModel(
                name='Notice',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('to_callcenter', models.BooleanField(default=False, verbose_name='コールセンター宛て')),
                    ('title', models.CharField(max_length=200, verbose_name='件名')),
                    ('link', models.CharField(blank=True, max_length=300, verbose_name='リンク')),
                    ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='作成日時')),
                    ('department', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='notices', to='departments.department', verbose_name='所管課')),
                ],
                options={
                    'verbose_name': 'お知らせ',
                    'verbose_name_plural': 'お知らせ',
                    'db_table': 'kobepost_notice',
                    'ordering': ['-pk'],
                    'indexes': [models.Index(fields=['to_callcenter', 'id'], name='notice_callcenter_recent')],
                    'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('department__isnull', False), ('to_callcenter', False)), models.Q(('department__isnull', True), ('to_callcenter', True)), _connector='OR'), name='notice_exactly_one_audience')],
                },
            ),
            migrations.CreateModel(
                name='Notification',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('event_key', models.CharField(max_length=200, verbose_name='イベントキー')),
                    ('kind', models.CharField(choices=[('new_case', '新規案件'), ('urgent_case', '緊急案件'), ('contractor_request', '業者への依頼'), ('department_reply', '所管課からの回答'), ('status_change', '状況の変更'), ('transfer', '所管課の変更'), ('overdue_reminder', '期限超過の督促'), ('citizen_account', '市民アカウント（確認・再設定）'), ('post_status', 'KOBE ぽすと 投稿の状況')], max_length=30, verbose_name='種類')),
                    ('recipient', models.EmailField(max_length=254, verbose_name='宛先')),
                    ('audience', models.CharField(blank=True, choices=[('', '指定のアドレス'), ('department', '所管課の通知先'), ('contractor', '修理委託業者'), ('agency', '関係機関'), ('callcenter', 'コールセンターの共有アドレス')], default='', max_length=20, verbose_name='宛先の種類')),
                    ('audience_id', models.PositiveBigIntegerField(blank=True, null=True, verbose_name='宛先の ID')),
                    ('subject', models.CharField(max_length=255, verbose_name='件名')),
                    ('body', models.TextField(verbose_name='本文')),
                    ('link', models.CharField(blank=True, max_length=300, verbose_name='リンク')),
                    ('status', models.CharField(choices=[('pending', '送信待ち'), ('sending', '送信中'), ('sent', '送信済み'), ('failed', '送信失敗'), ('superseded', '不要（現在の宛先へ送信済み）')], default='pending', max_length=10, verbose_name='状態')),
                    ('attempts', models.PositiveIntegerField(default=0, verbose_name='送信試行回数')),
                    ('problem', models.CharField(blank=True, choices=[('', 'なし'), ('connection', 'メールサーバーに接続できませんでした。'), ('timeout', 'メールサーバーが時間内に応答しませんでした。'), ('busy', 'メールサーバーが一時的に受け取りを断りました。'), ('mailbox', '宛先のメールアドレスがないか、受け取りを拒否されました。アドレスを確認してください。'), ('address', '宛先のメールアドレスの形式が正しくありません。'), ('refused', 'メールサーバーが送信を拒否しました。システム管理者に連絡してください。'), ('other', '送信中に予期しないエラーが起きました。システム管理者に連絡してください。')], default='', max_length=20, verbose_name='エラーの内容')),
                    ('last_error', models.TextField(blank=True, verbose_name='最後のエラー（原文）')),
                    ('next_attempt_at', models.DateTimeField(verbose_name='次回送信予定')),
                    ('lease_expires_at', models.DateTimeField(blank=True, null=True, verbose_name='送信中の期限')),
                    ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='作成日時')),
                    ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='送信日時')),
                    ('resent_at', models.DateTimeField(blank=True, null=True, verbose_name='再送信日時')),
                    ('previous_recipients', models.TextField(blank=True, help_text='再送信で宛先を変えたとき、元の宛先（1 行に 1 件）', verbose_name='以前の宛先')),
                    ('case', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='notifications', to='tickets.case', verbose_name='案件')),
                    ('resent_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='再送信した職員')),
                ],
                options={
                    'verbose_name': '通知メール',
                    'verbose_name_plural': '通知メール',
                    'db_table': 'kobepost_notification',
                    'ordering': ['-created_at', '-pk'],
                    'indexes': [models.Index(fields=['status', 'next_attempt_at'], name='notification_due')],
                    'constraints': [models.UniqueConstraint(fields=('event_key', 'recipient'), name='notification_once_per_event_recipient')],
                },
            ),
            ],
        ),
        content_types_follow(from_label="kobepost", to_label="notifications", models=['notification', 'notice', 'noticecursor']),
    ]
