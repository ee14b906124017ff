from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from matrix.models import InboxStatus, Platform
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Account',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=32)),
                ('department_code', fields.CharField(null=True, db_index=True, max_length=32)),
                ('platform', fields.CharEnumField(description='WECHAT_SUBSCRIPTION: wechat_subscription\nWECHAT_SERVICE: wechat_service\nWECHAT_MINIPROGRAM: wechat_miniprogram\nWEIBO: weibo\nDOUYIN: douyin\nAPP: app', enum_type=Platform, max_length=32)),
                ('name', fields.CharField(max_length=64)),
                ('appid', fields.CharField(null=True, unique=True, max_length=32)),
                ('original_id', fields.CharField(null=True, max_length=32)),
                ('secret_encrypted', fields.TextField(null=True, unique=False)),
                ('aes_key_encrypted', fields.TextField(null=True, unique=False)),
                ('callback_token', fields.CharField(null=True, max_length=32)),
                ('safe_mode', fields.BooleanField(default=True)),
                ('follower_count', fields.IntField(default=0)),
                ('last_published_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('auto_reply', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('is_active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'matrix_account', 'app': 'matrix', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Follower',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('matrix.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='followers', on_delete=OnDelete.CASCADE)),
                ('openid', fields.CharField(max_length=64)),
                ('subscribed', fields.BooleanField(default=True)),
                ('subscribed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('unsubscribed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_message_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'matrix_follower', 'app': 'matrix', 'unique_together': (('account', 'openid'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='FollowerDaily',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('matrix.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='daily', on_delete=OnDelete.CASCADE)),
                ('day', fields.DateField()),
                ('follower_count', fields.IntField(default=0)),
                ('subscribes', fields.IntField(default=0)),
                ('unsubscribes', fields.IntField(default=0)),
            ],
            options={'table': 'matrix_follower_daily', 'app': 'matrix', 'unique_together': (('account', 'day'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='FollowerEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('matrix.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='follower_events', on_delete=OnDelete.CASCADE)),
                ('openid', fields.CharField(max_length=64)),
                ('event', fields.CharField(max_length=32)),
                ('event_key', fields.CharField(default='', max_length=128)),
                ('dedupe_key', fields.CharField(max_length=128)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'matrix_follower_event', 'app': 'matrix', 'unique_together': (('account', 'dedupe_key'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='InboxMessage',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('matrix.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='messages', on_delete=OnDelete.CASCADE)),
                ('department_code', fields.CharField(null=True, db_index=True, max_length=32)),
                ('openid', fields.CharField(max_length=64)),
                ('msg_type', fields.CharField(max_length=16)),
                ('content', fields.TextField(default='', unique=False)),
                ('media_id', fields.CharField(null=True, max_length=128)),
                ('dedupe_key', fields.CharField(max_length=128)),
                ('received_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('status', fields.CharEnumField(default=InboxStatus.NEW, description='NEW: new\nASSIGNED: assigned\nREPLIED: replied\nCLOSED: closed', enum_type=InboxStatus, max_length=16)),
                ('assigned_department', fields.CharField(null=True, db_index=True, max_length=32)),
                ('auto_replied', fields.BooleanField(default=False)),
                ('reply_text', fields.TextField(null=True, unique=False)),
                ('replied_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('replied_by', fields.CharField(null=True, max_length=64)),
                ('reply_errcode', fields.IntField(null=True)),
                ('reply_error', fields.CharField(null=True, max_length=255)),
                ('reply_workdays', fields.IntField(null=True)),
            ],
            options={'table': 'matrix_inbox_message', 'app': 'matrix', 'unique_together': (('account', 'dedupe_key'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PlatformEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('matrix.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='platform_events', on_delete=OnDelete.CASCADE)),
                ('event_type', fields.CharField(db_index=True, max_length=32)),
                ('payload', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('dedupe_key', fields.CharField(max_length=128)),
                ('processed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'matrix_platform_event', 'app': 'matrix', 'unique_together': (('account', 'dedupe_key'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
