from tortoise import migrations
from tortoise.migrations import operations as ops
from mini_program.open_days.models import EventStatus, RegStatus
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='OpenDay',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('title', fields.CharField(max_length=100)),
                ('department_code', fields.CharField(db_index=True, max_length=32)),
                ('starts_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('place', fields.CharField(max_length=128)),
                ('capacity', fields.IntField()),
                ('registration_opens', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('registration_closes', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('description', fields.TextField(default='', unique=False)),
                ('status', fields.CharEnumField(default=EventStatus.OPEN, description='OPEN: open\nCANCELLED: cancelled', enum_type=EventStatus, max_length=16)),
                ('taken', fields.IntField(default=0)),
                ('waitlist_seq', fields.IntField(default=0)),
                ('created_by', fields.CharField(default='', max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'open_day', 'app': 'open_days', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Registration',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('open_day_id', fields.IntField(db_index=True)),
                ('resident_id', fields.IntField(db_index=True)),
                ('name', fields.CharField(max_length=32)),
                ('phone_encrypted', fields.TextField(unique=False)),
                ('companions', fields.SmallIntField(default=0)),
                ('places', fields.SmallIntField(default=1)),
                ('status', fields.CharEnumField(description='CONFIRMED: confirmed\nWAITLISTED: waitlisted\nCANCELLED: cancelled', enum_type=RegStatus, max_length=16)),
                ('waitlist_no', fields.IntField(null=True)),
                ('token', fields.CharField(unique=True, max_length=16)),
                ('active_key', fields.CharField(null=True, unique=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('promoted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('cancelled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('checked_in_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('checked_in_by', fields.CharField(default='', max_length=64)),
                ('reminded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'open_day_registration', 'app': 'open_days', 'indexes': [Index(fields=['open_day_id', 'status'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
