from tortoise import migrations
from tortoise.migrations import operations as ops
from gateway.auth.models import Role
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('gateway', '0001_initial')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='StaffUser',
            name='role',
            field=fields.CharEnumField(description='ADMIN: admin\nEDITOR: editor\nREVIEWER: reviewer\nDEPARTMENT_STAFF: department_staff\nVILLAGE_STAFF: village_staff\nDISCLOSURE_HEAD: disclosure_head', enum_type=Role, max_length=32),
        ),
    ]
