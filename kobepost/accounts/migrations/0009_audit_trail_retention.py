"""The audit trail's own retention: rows past it may be deleted, by the owner role only.

The append-only trigger now lets a DELETE through when, and only when, the session names
a purge cutoff (``kobepost.audit_purge_before``, set by ``manage.py audit_purge``) and the
row is older than that cutoff and older than a year. The runtime role has no DELETE
privilege on the table (deploy/db/grants.sql), so setting the variable gets it nothing;
UPDATE stays refused for everyone.
"""

from django.db import migrations, models

ALLOWING_PURGE = """
CREATE OR REPLACE FUNCTION kobepost_audit_append_only() RETURNS trigger AS $$
DECLARE
    purge_before text := current_setting('kobepost.audit_purge_before', true);
BEGIN
    IF TG_OP = 'DELETE' AND coalesce(purge_before, '') <> ''
       AND OLD.occurred_at < purge_before::timestamptz
       AND OLD.occurred_at < now() - interval '1 year' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'kobepost_auditevent is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""
APPEND_ONLY = """
CREATE OR REPLACE FUNCTION kobepost_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'kobepost_auditevent is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def allow_purge(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ALLOWING_PURGE, params=None)


def refuse_purge(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("kobepost", "0008_notification_audience_and_repair"),
    ]

    operations = [
        migrations.RunPython(allow_purge, refuse_purge, elidable=False),
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("login", "ログイン"),
                    ("logout", "ログアウト"),
                    ("login_failed", "ログイン失敗"),
                    ("lockout", "ログインのロック"),
                    ("network_refused", "ネットワーク拒否"),
                    ("permission_denied", "権限なしの拒否"),
                    ("password_changed", "パスワード変更"),
                    ("otp_enrolled", "2段階認証の登録"),
                    ("otp_verified", "2段階認証の確認"),
                    ("otp_failed", "2段階認証の失敗"),
                    ("record_view", "個人情報の閲覧"),
                    ("record_print", "個人情報の印刷"),
                    ("record_export", "個人情報の出力"),
                    ("audit_export", "監査ログの出力"),
                    ("audit_purged", "監査ログの廃棄"),
                ],
                max_length=30,
                verbose_name="操作",
            ),
        ),
    ]
