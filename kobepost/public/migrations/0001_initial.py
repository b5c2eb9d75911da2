"""State only: the models of the public app, moved here from the kobepost app (issue 16).

The tables stay as they are (kobepost/lib/moved_models.py).
"""

import django.db.models.deletion
import django.utils.timezone
import kobepost.lib.choices
import uuid
from django.db import migrations, models

from kobepost.lib.moved_models import content_types_follow


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('privacy', '0001_initial'),
        ('tickets', '0022_retention_models_moved_out'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
            migrations.CreateModel(
                name='ApiClient',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('name', models.CharField(max_length=100, unique=True, verbose_name='アプリ名')),
                    ('contact', models.CharField(blank=True, max_length=200, verbose_name='連絡先')),
                    ('key_digest', models.CharField(editable=False, max_length=64, unique=True)),
                    ('key_hint', models.CharField(editable=False, max_length=8, verbose_name='キーの先頭')),
                    ('active', models.BooleanField(default=True, verbose_name='有効')),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='登録日時')),
                ],
                options={
                    'verbose_name': 'API 利用アプリ',
                    'verbose_name_plural': 'API 利用アプリ',
                    'db_table': 'kobepost_apiclient',
                    'ordering': ['name'],
                },
            ),
            migrations.CreateModel(
                name='Citizen',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('login_id', models.CharField(max_length=40, unique=True, verbose_name='ID')),
                    ('password', models.CharField(max_length=128, verbose_name='パスワード')),
                    ('name', models.CharField(max_length=100, verbose_name='氏名')),
                    ('name_kana', models.CharField(max_length=100, verbose_name='氏名（カナ）')),
                    ('address', models.CharField(max_length=200, verbose_name='住所')),
                    ('phone', models.CharField(max_length=20, verbose_name='電話番号')),
                    ('gender', models.CharField(choices=[('female', '女性'), ('male', '男性'), ('other', 'その他'), ('unanswered', '回答しない')], max_length=12, verbose_name='性別')),
                    ('birth_year', models.PositiveSmallIntegerField(verbose_name='誕生年')),
                    ('occupation', models.CharField(choices=[('employee', '会社員・団体職員'), ('civil_servant', '公務員'), ('self_employed', '自営業'), ('part_time', 'パート・アルバイト'), ('student', '学生'), ('homemaker', '主婦・主夫'), ('unemployed', '無職'), ('other', 'その他')], max_length=20, verbose_name='職業')),
                    ('work_ward', models.CharField(blank=True, choices=[('28101', '東灘区'), ('28102', '灘区'), ('28105', '兵庫区'), ('28106', '長田区'), ('28107', '須磨区'), ('28108', '垂水区'), ('28109', '北区'), ('28110', '中央区'), ('28111', '西区')], max_length=5, verbose_name='勤務先・通学先の区名')),
                    ('email', models.EmailField(max_length=254, verbose_name='メールアドレス')),
                    ('email_confirmed_at', models.DateTimeField(blank=True, null=True, verbose_name='メール確認日時')),
                    ('pending_email', models.EmailField(blank=True, max_length=254, verbose_name='確認待ちのメールアドレス')),
                    ('notify_status', models.BooleanField(default=False, help_text='受付・所管課へ送付・回答・対応完了・不採用・重複のときにメールが届きます。', verbose_name='投稿の状況をメールで知らせる')),
                    ('nickname', models.CharField(max_length=30, verbose_name='ニックネーム')),
                    ('api_token_digest', models.CharField(blank=True, db_index=True, max_length=64)),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='登録日時')),
                    ('last_login', models.DateTimeField(blank=True, null=True, verbose_name='最終ログイン')),
                    ('is_active', models.BooleanField(default=True, verbose_name='有効')),
                ],
                options={
                    'verbose_name': '市民アカウント',
                    'verbose_name_plural': '市民アカウント',
                    'db_table': 'kobepost_citizen',
                    'ordering': ['login_id'],
                },
            ),
            migrations.CreateModel(
                name='PostCategory',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('code', models.SlugField(max_length=40, unique=True, verbose_name='コード')),
                    ('name', models.CharField(max_length=100, verbose_name='区分名')),
                    ('description', models.CharField(blank=True, max_length=300, verbose_name='説明')),
                    ('group', models.CharField(blank=True, help_text='アプリのメニューでまとめる見出し（Open311 の group）。例: 道路・公園', max_length=60, verbose_name='グループ')),
                    ('keywords', models.CharField(blank=True, help_text='アプリの検索に使う言葉をカンマ区切りで（Open311 の keywords）。', max_length=300, verbose_name='キーワード')),
                    ('sort_order', models.PositiveSmallIntegerField(default=0, verbose_name='表示順')),
                    ('active', models.BooleanField(default=True, verbose_name='有効')),
                    ('retention_class', models.ForeignKey(blank=True, help_text='完了・不採用の投稿を保存する年限。未設定なら「案件の分類」の保存年限（分類にもなければそのダイヤルの保存年限）、それもなければ連携した案件の保存年限に従います。', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='post_categories', to='privacy.retentionclass', verbose_name='保存年限')),
                    ('ticket_category', models.ForeignKey(blank=True, help_text='振り分けのときに使う共有ツール側の分類（任意）。', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='post_categories', to='tickets.category', verbose_name='案件の分類')),
                ],
                options={
                    'verbose_name': '投稿区分',
                    'verbose_name_plural': '投稿区分',
                    'db_table': 'kobepost_postcategory',
                    'ordering': ['sort_order', 'code'],
                },
            ),
            migrations.CreateModel(
                name='Post',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('nickname', models.CharField(blank=True, max_length=30, verbose_name='ニックネーム')),
                    ('text', models.TextField(max_length=2000, verbose_name='投稿内容')),
                    ('public_text', models.TextField(help_text='公開ページに表示する文。個人が特定される記述は削ってください。', max_length=2000, verbose_name='公開用の投稿内容')),
                    ('lat', models.FloatField(blank=True, null=True, verbose_name='緯度')),
                    ('lng', models.FloatField(blank=True, null=True, verbose_name='経度')),
                    ('address', models.CharField(blank=True, max_length=200, verbose_name='場所（住所・目印）')),
                    ('status', models.CharField(choices=[('received', '受付'), ('in_progress', '対応中'), ('done', '対応完了')], default='received', max_length=12, verbose_name='状況')),
                    ('public_reply', models.TextField(blank=True, max_length=2000, verbose_name='市からの回答（公開）')),
                    ('published', models.BooleanField(default=False, verbose_name='公開')),
                    ('published_at', models.DateTimeField(blank=True, null=True, verbose_name='公開日時')),
                    ('rejection', models.CharField(blank=True, choices=[('', 'なし'), ('out_of_scope', '対象外'), ('spam', 'いたずら・迷惑投稿'), ('other_body', '市以外の管理者'), ('duplicate', '重複')], default='', max_length=20, verbose_name='不採用の理由')),
                    ('rejection_note', models.CharField(blank=True, max_length=300, verbose_name='不採用の補足（所管する機関など）')),
                    ('case_link', models.CharField(blank=True, choices=[('', 'なし'), ('forwarded', '所管課へ送付'), ('duplicate', '既存の案件と重複')], default='', max_length=12, verbose_name='案件との関係')),
                    ('token', models.UUIDField(default=uuid.uuid4, editable=False, unique=True, verbose_name='受付トークン')),
                    ('channel', models.CharField(choices=[('web', 'ウェブ'), ('api', 'アプリ（Open311）')], default='web', max_length=5, verbose_name='受付経路')),
                    ('attributes', models.JSONField(blank=True, default=dict, verbose_name='詳細項目')),
                    ('created_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='投稿日時')),
                    ('updated_at', models.DateTimeField(auto_now=True, verbose_name='更新日時')),
                    ('api_client', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='posts', to='public.apiclient', verbose_name='アプリ')),
                    ('case', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='posts', to='tickets.case', verbose_name='連携する案件')),
                    ('citizen', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='posts', to='public.citizen', verbose_name='投稿者')),
                    ('duplicate_of', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='duplicates', to='public.post', verbose_name='重複先の投稿')),
                    ('category', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='posts', to='public.postcategory', verbose_name='投稿区分')),
                ],
                options={
                    'verbose_name': '市民投稿',
                    'verbose_name_plural': '市民投稿',
                    'db_table': 'kobepost_post',
                    'ordering': ['-created_at', '-pk'],
                },
                bases=(kobepost.lib.choices.QuickChoiceDisplay, models.Model),
            ),
            migrations.CreateModel(
                name='PostFollow',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('citizen', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='follows', to='public.citizen')),
                    ('post', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='follows', to='public.post')),
                ],
                options={
                    'verbose_name': '投稿のフォロー',
                    'verbose_name_plural': '投稿のフォロー',
                    'db_table': 'kobepost_postfollow',
                },
            ),
            migrations.CreateModel(
                name='PostPhoto',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('public_id', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                    ('file_name', models.CharField(max_length=200)),
                    ('kind', models.CharField(choices=[('citizen', '投稿写真'), ('after_repair', '対応後の写真')], default='citizen', max_length=12, verbose_name='種類')),
                    ('hidden', models.BooleanField(default=False, verbose_name='非表示')),
                    ('width', models.PositiveIntegerField(default=0)),
                    ('height', models.PositiveIntegerField(default=0)),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('original_name', models.CharField(blank=True, editable=False, max_length=200)),
                    ('redactions', models.JSONField(blank=True, default=list, editable=False)),
                    ('redacted_at', models.DateTimeField(blank=True, null=True, verbose_name='ぼかしを入れた日時')),
                    ('post', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='photos', to='public.post')),
                ],
                options={
                    'verbose_name': '投稿写真',
                    'verbose_name_plural': '投稿写真',
                    'db_table': 'kobepost_postphoto',
                    'ordering': ['created_at', 'pk'],
                },
            ),
            migrations.CreateModel(
                name='ServiceAttribute',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('code', models.SlugField(max_length=40, verbose_name='コード')),
                    ('description', models.CharField(max_length=200, verbose_name='項目名')),
                    ('datatype', models.CharField(choices=[('string', '文字列（1行）'), ('text', '文章（複数行）'), ('number', '数値'), ('datetime', '日時'), ('singlevaluelist', '選択肢から1つ'), ('multivaluelist', '選択肢から複数')], default='string', max_length=16, verbose_name='種類')),
                    ('required', models.BooleanField(default=False, verbose_name='必須')),
                    ('datatype_description', models.CharField(blank=True, help_text='例: 公園の入口の看板の名前', max_length=200, verbose_name='入力の説明')),
                    ('values', models.TextField(blank=True, help_text='選択肢の種類のとき、1 行に 1 つ「キー:表示名」で書きます。', verbose_name='選択肢')),
                    ('sort_order', models.PositiveSmallIntegerField(default=0, verbose_name='表示順')),
                    ('category', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='attributes', to='public.postcategory', verbose_name='投稿区分')),
                ],
                options={
                    'verbose_name': '詳細項目',
                    'verbose_name_plural': '詳細項目（Open311 の attribute）',
                    'db_table': 'kobepost_serviceattribute',
                    'ordering': ['sort_order', 'pk'],
                },
            ),
            migrations.AddIndex(
                model_name='post',
                index=models.Index(condition=models.Q(('case__isnull', True), ('published', False), ('rejection', '')), fields=['created_at', 'id'], name='post_triage_new_idx'),
            ),
            migrations.AddIndex(
                model_name='post',
                index=models.Index(condition=models.Q(('published', True)), fields=['-created_at', '-id'], name='post_published_idx'),
            ),
            migrations.AddIndex(
                model_name='post',
                index=models.Index(condition=models.Q(('rejection', ''), _negated=True), fields=['-created_at', '-id'], name='post_rejected_idx'),
            ),
            migrations.AddIndex(
                model_name='post',
                index=models.Index(fields=['citizen', 'created_at'], name='post_citizen_created_idx'),
            ),
            migrations.AddConstraint(
                model_name='postfollow',
                constraint=models.UniqueConstraint(fields=('citizen', 'post'), name='post_follow_unique'),
            ),
            migrations.AddConstraint(
                model_name='serviceattribute',
                constraint=models.UniqueConstraint(fields=('category', 'code'), name='service_attribute_unique_code'),
            ),
            ],
        ),
        content_types_follow(from_label="kobepost", to_label="public", models=['citizen', 'postfollow', 'postcategory', 'serviceattribute', 'post', 'postphoto', 'apiclient']),
    ]
