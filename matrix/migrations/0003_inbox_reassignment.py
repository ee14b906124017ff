from tortoise import migrations
from tortoise.migrations import operations as ops
from matrix.models import ReassignmentStatus
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('matrix', '0002_encrypt_callback_token')]

    initial = False

    operations = [
        ops.CreateModel(
            name='InboxReassignment',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('message', fields.ForeignKeyField('matrix.InboxMessage', source_field='message_id', db_constraint=True, to_field='id', related_name='reassignments', on_delete=OnDelete.CASCADE)),
                ('open_message_id', fields.BigIntField(null=True, unique=True)),
                ('from_department', fields.CharField(db_index=True, max_length=32)),
                ('to_department', fields.CharField(max_length=32)),
                ('reason', fields.CharField(max_length=200)),
                ('status', fields.CharEnumField(default=ReassignmentStatus.PENDING, db_index=True, description='PENDING: pending\nAPPROVED: approved\nREFUSED: refused\nCANCELLED: cancelled', enum_type=ReassignmentStatus, max_length=16)),
                ('requested_by', fields.CharField(max_length=64)),
                ('decided_by', fields.CharField(null=True, max_length=64)),
                ('decision_note', fields.CharField(null=True, max_length=200)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'matrix_inbox_reassignment', 'app': 'matrix', 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
