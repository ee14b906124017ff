# Full-text search over catalogue_search: an FTS5 table (SQLite) or a tsvector column with a GIN
# index (PostgreSQL). Raw SQL differs per dialect, so it runs as Python that asks the editor.
from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE catalogue_search_fts USING fts5("
    "title_tokens, body_tokens, content='catalogue_search', content_rowid='id', "
    "tokenize='unicode61')",
    "CREATE TRIGGER catalogue_search_ai AFTER INSERT ON catalogue_search BEGIN "
    "INSERT INTO catalogue_search_fts(rowid, title_tokens, body_tokens) "
    "VALUES (new.id, new.title_tokens, new.body_tokens); END",
    "CREATE TRIGGER catalogue_search_ad AFTER DELETE ON catalogue_search BEGIN "
    "INSERT INTO catalogue_search_fts(catalogue_search_fts, rowid, title_tokens, body_tokens) "
    "VALUES ('delete', old.id, old.title_tokens, old.body_tokens); END",
    "CREATE TRIGGER catalogue_search_au AFTER UPDATE ON catalogue_search BEGIN "
    "INSERT INTO catalogue_search_fts(catalogue_search_fts, rowid, title_tokens, body_tokens) "
    "VALUES ('delete', old.id, old.title_tokens, old.body_tokens); "
    "INSERT INTO catalogue_search_fts(rowid, title_tokens, body_tokens) "
    "VALUES (new.id, new.title_tokens, new.body_tokens); END",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS catalogue_search_au",
    "DROP TRIGGER IF EXISTS catalogue_search_ad",
    "DROP TRIGGER IF EXISTS catalogue_search_ai",
    "DROP TABLE IF EXISTS catalogue_search_fts",
]
POSTGRES_FORWARD = [
    "ALTER TABLE catalogue_search ADD COLUMN tsv tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple', coalesce(title_tokens, '')), 'A') || "
    "setweight(to_tsvector('simple', coalesce(body_tokens, '')), 'B')) STORED",
    "CREATE INDEX catalogue_search_tsv_idx ON catalogue_search USING GIN (tsv)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS catalogue_search_tsv_idx",
    "ALTER TABLE catalogue_search DROP COLUMN IF EXISTS tsv",
]


def _is_postgres(schema_editor: Any) -> bool:
    return "postgres" in type(schema_editor).__module__ or "asyncpg" in type(
        schema_editor.client
    ).__module__


async def _run(schema_editor: Any, sqlite_sql: list[str], postgres_sql: list[str]) -> None:
    for sql in postgres_sql if _is_postgres(schema_editor) else sqlite_sql:
        await schema_editor.client.execute_script(sql)


async def forward(apps: Any, schema_editor: Any) -> None:
    await _run(schema_editor, SQLITE_FORWARD, POSTGRES_FORWARD)


async def backward(apps: Any, schema_editor: Any) -> None:
    await _run(schema_editor, SQLITE_BACKWARD, POSTGRES_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0001_initial")]

    operations = [ops.RunPython(forward, backward)]
