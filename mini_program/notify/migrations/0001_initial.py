from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from mini_program.notify.models import Answer, CampaignState, GrantState, MessageState
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Campaign',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('purpose', fields.CharField(max_length=32)),
                ('object_key', fields.CharField(max_length=128)),
                ('template_id', fields.CharField(max_length=64)),
                ('page', fields.CharField(max_length=512)),
                ('data', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('target', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('key', fields.CharField(unique=True, max_length=64)),
                ('state', fields.CharEnumField(default=CampaignState.QUEUED, description='QUEUED: queued\nSENDING: sending\nDONE: done', enum_type=CampaignState, max_length=16)),
                ('recipients', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'notify_campaign', 'app': 'notify', 'indexes': [Index(fields=['purpose', 'object_key'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Follow',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('resident_id', fields.IntField()),
                ('domain_id', fields.IntField(db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'notify_follow', 'app': 'notify', 'unique_together': (('resident_id', 'domain_id'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Grant',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('resident_id', fields.IntField()),
                ('template_id', fields.CharField(max_length=64)),
                ('purpose', fields.CharField(max_length=32)),
                ('state', fields.CharEnumField(default=GrantState.UNUSED, description='UNUSED: unused\nRESERVED: reserved\nUSED: used\nVOID: void', enum_type=GrantState, max_length=16)),
                ('message_id', fields.BigIntField(null=True, db_index=True)),
                ('granted_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'notify_grant', 'app': 'notify', 'indexes': [Index(fields=['template_id', 'state', 'resident_id']), Index(fields=['resident_id', 'purpose', 'state'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='GrantAnswer',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('resident_id', fields.IntField(db_index=True)),
                ('template_id', fields.CharField(max_length=64)),
                ('purpose', fields.CharField(max_length=32)),
                ('answer', fields.CharEnumField(description='ACCEPT: accept\nREJECT: reject\nBAN: ban\nFILTER: filter', enum_type=Answer, max_length=8)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'notify_grant_answer', 'app': 'notify', 'indexes': [Index(fields=['purpose', 'answer'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Message',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('campaign_id', fields.BigIntField()),
                ('resident_id', fields.IntField()),
                ('purpose', fields.CharField(max_length=32)),
                ('object_key', fields.CharField(max_length=128)),
                ('state', fields.CharEnumField(default=MessageState.PENDING, description='PENDING: pending\nSENDING: sending\nSENT: sent\nREFUSED: refused\nFAILED: failed\nNO_GRANT: no_grant\nUNKNOWN: unknown', enum_type=MessageState, max_length=16)),
                ('attempts', fields.IntField(default=0)),
                ('next_try_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('errcode', fields.IntField(null=True)),
                ('error', fields.CharField(default='', max_length=255)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'notify_message', 'app': 'notify', 'unique_together': (('resident_id', 'purpose', 'object_key'),), 'indexes': [Index(fields=['campaign_id', 'state'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
