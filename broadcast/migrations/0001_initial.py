from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from broadcast.models import AudioState, ScriptState, SourceKind
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Audio',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key', fields.CharField(unique=True, max_length=64)),
                ('state', fields.CharEnumField(default=AudioState.PENDING, description='PENDING: pending\nMAKING: making\nREADY: ready\nFAILED: failed', enum_type=AudioState, max_length=16)),
                ('generation', fields.IntField(default=1)),
                ('job_id', fields.BigIntField(null=True)),
                ('text', fields.TextField(unique=False)),
                ('cpm', fields.IntField()),
                ('repeats', fields.IntField()),
                ('chime', fields.BooleanField()),
                ('path', fields.CharField(default='', max_length=255)),
                ('sha256', fields.CharField(default='', max_length=64)),
                ('size', fields.BigIntField(default=0)),
                ('duration_s', fields.FloatField(null=True)),
                ('lufs', fields.FloatField(null=True)),
                ('true_peak', fields.FloatField(null=True)),
                ('error', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('made_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'broadcast_audio', 'app': 'broadcast', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Pronunciation',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('term', fields.CharField(unique=True, max_length=20)),
                ('reading', fields.CharField(max_length=60)),
                ('note', fields.CharField(default='', max_length=100)),
                ('updated_by', fields.CharField(default='', max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'broadcast_pronunciation', 'app': 'broadcast', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Script',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('title', fields.CharField(max_length=100)),
                ('source', fields.CharEnumField(default=SourceKind.TEXT, description='TEXT: text\nDOCUMENT: document\nARTICLE: article', enum_type=SourceKind, max_length=16)),
                ('source_id', fields.CharField(null=True, max_length=32)),
                ('source_text', fields.TextField(unique=False)),
                ('spoken_text', fields.TextField(unique=False)),
                ('spoken_edited', fields.BooleanField(default=False)),
                ('targets', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('chime', fields.BooleanField(default=True)),
                ('repeats', fields.IntField(default=2)),
                ('rate', fields.IntField(default=200)),
                ('play_times', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('valid_from', fields.DateField()),
                ('valid_until', fields.DateField()),
                ('state', fields.CharEnumField(default=ScriptState.DRAFT, description='DRAFT: draft\nIN_REVIEW: in_review\nREJECTED: rejected\nAPPROVED: approved\nWITHDRAWN: withdrawn', enum_type=ScriptState, max_length=16)),
                ('version', fields.IntField(default=1)),
                ('audio', fields.ForeignKeyField('broadcast.Audio', source_field='audio_id', null=True, db_constraint=True, to_field='id', related_name='scripts', on_delete=OnDelete.SET_NULL)),
                ('created_by', fields.IntField(null=True)),
                ('created_by_name', fields.CharField(default='', max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('approved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'broadcast_script', 'app': 'broadcast', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Download',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('script', fields.ForeignKeyField('broadcast.Script', source_field='script_id', db_constraint=True, to_field='id', related_name='downloads', on_delete=OnDelete.CASCADE)),
                ('village_code', fields.CharField(max_length=32)),
                ('sha256', fields.CharField(max_length=64)),
                ('staff_id', fields.IntField(null=True)),
                ('downloaded_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'broadcast_download', 'app': 'broadcast', 'unique_together': (('script', 'village_code', 'sha256'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Play',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('script', fields.ForeignKeyField('broadcast.Script', source_field='script_id', db_constraint=True, to_field='id', related_name='plays', on_delete=OnDelete.CASCADE)),
                ('village_code', fields.CharField(max_length=32)),
                ('day', fields.DateField()),
                ('slot', fields.CharField(max_length=5)),
                ('played_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('staff_id', fields.IntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'broadcast_play', 'app': 'broadcast', 'unique_together': (('script', 'village_code', 'day', 'slot'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ScriptVillage',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('script', fields.ForeignKeyField('broadcast.Script', source_field='script_id', db_constraint=True, to_field='id', related_name='villages', on_delete=OnDelete.CASCADE)),
                ('village_code', fields.CharField(db_index=True, max_length=32)),
                ('town_code', fields.CharField(max_length=32)),
            ],
            options={'table': 'broadcast_script_village', 'app': 'broadcast', 'unique_together': (('script', 'village_code'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
