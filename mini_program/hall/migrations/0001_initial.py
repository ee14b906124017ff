from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from mini_program.hall.models import Channel
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='QrScan',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('spot_id', fields.IntField()),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('day', fields.DateField(db_index=True)),
                ('hour', fields.SmallIntField()),
                ('channel', fields.CharEnumField(description='WECHAT: wechat\nBROWSER: browser\nMP_Q: mp_q\nMP_SCENE: mp_scene', enum_type=Channel, max_length=16)),
                ('is_bot', fields.BooleanField(default=False)),
                ('visitor', fields.CharField(default='', max_length=16)),
            ],
            options={'table': 'hall_qr_scan', 'app': 'hall', 'indexes': [Index(fields=['spot_id', 'day'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='QrSpot',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=16)),
                ('name', fields.CharField(max_length=64)),
                ('place', fields.CharField(default='', max_length=128)),
                ('target', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('enabled', fields.BooleanField(default=True)),
                ('version', fields.IntField(default=1)),
                ('created_by', fields.CharField(default='', max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'hall_qr_spot', 'app': 'hall', 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
