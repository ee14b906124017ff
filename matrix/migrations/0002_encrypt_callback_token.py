# The callback Token moves to a Fernet-encrypted column (it alone authenticates plaintext-mode
# callbacks, so it is a secret like the AppSecret). Existing plaintext Tokens are encrypted in
# place with the running APP_ENCRYPTION_KEY before the old column is dropped.
from typing import Any

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


def _placeholders(schema_editor: Any) -> tuple[str, str]:
    # asyncpg numbers its parameters; sqlite3 takes question marks.
    if schema_editor.client.capabilities.dialect == "postgres":
        return "$1", "$2"
    return "?", "?"


async def _convert(schema_editor: Any, source: str, target: str, transform: str) -> None:
    from gateway import crypto  # imported late: the key is read from settings at run time

    client = schema_editor.client
    _, rows = await client.execute_query(
        f"SELECT id, {source} FROM matrix_account WHERE {source} IS NOT NULL"
    )
    first, second = _placeholders(schema_editor)
    for row in rows:
        value = getattr(crypto, transform)(row[source])
        await client.execute_query(
            f"UPDATE matrix_account SET {target} = {first} WHERE id = {second}",
            [value, row["id"]],
        )


async def encrypt_tokens(apps: Any, schema_editor: Any) -> None:
    await _convert(schema_editor, "callback_token", "callback_token_encrypted", "encrypt")


async def decrypt_tokens(apps: Any, schema_editor: Any) -> None:
    await _convert(schema_editor, "callback_token_encrypted", "callback_token", "decrypt")


class Migration(migrations.Migration):
    dependencies = [("matrix", "0001_initial")]

    operations = [
        ops.AddField(
            model_name="Account",
            name="callback_token_encrypted",
            field=fields.TextField(null=True, unique=False),
        ),
        ops.RunPython(encrypt_tokens, decrypt_tokens),
        ops.RemoveField(model_name="Account", name="callback_token"),
    ]
