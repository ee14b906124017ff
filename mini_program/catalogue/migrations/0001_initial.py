from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from mini_program.catalogue.models import Validity
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Domain',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=32)),
                ('name', fields.CharField(unique=True, max_length=32)),
                ('sort_order', fields.IntField(default=0)),
                ('is_local', fields.BooleanField(default=False)),
            ],
            options={'table': 'catalogue_domain', 'app': 'catalogue', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CatalogueItem',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('domain', fields.ForeignKeyField('catalogue.Domain', source_field='domain_id', db_constraint=True, to_field='id', related_name='items', on_delete=OnDelete.CASCADE)),
                ('level1', fields.CharField(max_length=128)),
                ('level2', fields.CharField(max_length=255)),
                ('content', fields.TextField(default='', unique=False)),
                ('basis', fields.TextField(default='', unique=False)),
                ('time_limit', fields.CharField(default='', max_length=255)),
                ('subject', fields.CharField(default='', max_length=255)),
                ('channels', fields.CharField(default='', max_length=500)),
                ('audience_all', fields.BooleanField(default=False)),
                ('audience_specific', fields.BooleanField(default=False)),
                ('mode_active', fields.BooleanField(default=False)),
                ('mode_on_request', fields.BooleanField(default=False)),
                ('level_county', fields.BooleanField(default=False)),
                ('level_town', fields.BooleanField(default=False)),
                ('sort_order', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'catalogue_item', 'app': 'catalogue', 'unique_together': (('domain', 'level1', 'level2'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DomainViewDaily',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('domain', fields.ForeignKeyField('catalogue.Domain', source_field='domain_id', db_constraint=True, to_field='id', related_name='daily_views', on_delete=OnDelete.CASCADE)),
                ('day', fields.DateField()),
                ('count', fields.IntField(default=0)),
            ],
            options={'table': 'catalogue_domain_view_daily', 'app': 'catalogue', 'unique_together': (('domain', 'day'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PolicyDocument',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=64)),
                ('title', fields.CharField(max_length=255)),
                ('doc_no', fields.CharField(null=True, max_length=64)),
                ('doc_no_key', fields.CharField(null=True, db_index=True, max_length=64)),
                ('issuer', fields.CharField(default='', max_length=128)),
                ('written_on', fields.DateField(null=True)),
                ('published_on', fields.DateField(null=True, db_index=True)),
                ('effective_on', fields.DateField(null=True)),
                ('validity', fields.CharEnumField(default=Validity.VALID, description='VALID: 有效\nEXPIRED: 失效\nREPEALED: 废止', enum_type=Validity, max_length=8)),
                ('is_normative', fields.BooleanField(default=False, db_index=True)),
                ('body', fields.TextField(default='', unique=False)),
                ('attachments', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('items', fields.ManyToManyField('catalogue.CatalogueItem', unique=True, db_constraint=True, through='catalogue_document_item', forward_key='item_id', backward_key='document_id', related_name='documents', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'catalogue_document', 'app': 'catalogue', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Interpretation',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=64)),
                ('document', fields.ForeignKeyField('catalogue.PolicyDocument', source_field='document_id', db_constraint=True, to_field='id', related_name='interpretations', on_delete=OnDelete.CASCADE)),
                ('title', fields.CharField(max_length=255)),
                ('body', fields.TextField(default='', unique=False)),
                ('interpreter', fields.CharField(default='', max_length=128)),
                ('published_on', fields.DateField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'catalogue_interpretation', 'app': 'catalogue', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SearchEntry',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharField(max_length=16)),
                ('ref_id', fields.IntField()),
                ('domain_ids', fields.CharField(default=',', max_length=255)),
                ('title_tokens', fields.TextField(default='', unique=False)),
                ('body_tokens', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'catalogue_search', 'app': 'catalogue', 'unique_together': (('kind', 'ref_id'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
