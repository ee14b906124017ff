from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('consultations', '0001_initial')]

    initial = False

    operations = [
        ops.AddField(
            model_name='ReassignmentRequest',
            name='open_consultation_id',
            field=fields.BigIntField(null=True, unique=True),
        ),
    ]
