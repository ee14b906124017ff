from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from gateway.review.models import Decision, RoundState
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='ReviewEvent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharField(max_length=32)),
                ('object_id', fields.CharField(max_length=64)),
                ('version', fields.IntField()),
                ('round_id', fields.BigIntField(null=True)),
                ('action', fields.CharField(max_length=16)),
                ('level', fields.IntField(null=True)),
                ('level_name', fields.CharField(default='', max_length=32)),
                ('actor_id', fields.IntField(null=True)),
                ('actor_name', fields.CharField(max_length=64)),
                ('comment', fields.TextField(default='', unique=False)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'review_event', 'app': 'review', 'indexes': [Index(fields=['kind', 'object_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ReviewRound',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharField(max_length=32)),
                ('object_id', fields.CharField(max_length=64)),
                ('version', fields.IntField()),
                ('content_hash', fields.CharField(max_length=128)),
                ('snapshot', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('levels', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('signed', fields.IntField(default=0)),
                ('state', fields.CharEnumField(default=RoundState.PENDING, description='PENDING: pending\nAPPROVED: approved\nREJECTED: rejected\nSUPERSEDED: superseded', enum_type=RoundState, max_length=16)),
                ('open_key', fields.CharField(null=True, unique=True, max_length=100)),
                ('author_id', fields.IntField(null=True)),
                ('submitted_by_id', fields.IntField()),
                ('submitted_by_name', fields.CharField(max_length=64)),
                ('note', fields.TextField(default='', unique=False)),
                ('comment', fields.TextField(default='', unique=False)),
                ('submitted_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'review_round', 'app': 'review', 'indexes': [Index(fields=['kind', 'object_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ReviewSignature',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('round', fields.ForeignKeyField('review.ReviewRound', source_field='round_id', db_constraint=True, to_field='id', related_name='signatures', on_delete=OnDelete.CASCADE)),
                ('level', fields.IntField()),
                ('level_name', fields.CharField(max_length=32)),
                ('reviewer_id', fields.IntField()),
                ('reviewer_name', fields.CharField(max_length=64)),
                ('decision', fields.CharEnumField(description='APPROVE: approve\nREJECT: reject', enum_type=Decision, max_length=16)),
                ('comment', fields.TextField(default='', unique=False)),
                ('signed_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'review_signature', 'app': 'review', 'unique_together': (('round', 'level'), ('round', 'reviewer_id')), 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
