from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('consultations', '0002_reassignment_one_pending')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Consultation',
            index=Index(fields=['department_code', 'status']),
        ),
    ]
