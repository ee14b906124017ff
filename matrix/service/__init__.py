"""The matrix's services. Other domains use these functions, never matrix.models.

from matrix.service import get_credentials, record_publication, list_platform_events
"""

from matrix.service.common import Actor, write_audit
from matrix.service.events import (
    get_platform_event,
    list_platform_events,
    mark_platform_event_processed,
)
from matrix.service.inbox import list_inbox, reply_message
from matrix.service.outreach import inbox_message, message_follower
from matrix.service.registry import (
    Credentials,
    account_to_dict,
    callback_settings,
    callback_url,
    create_account,
    find_account,
    get_account,
    get_credentials,
    list_accounts,
    record_publication,
    rotate_secret,
    update_account,
)

__all__ = [
    "Actor",
    "Credentials",
    "account_to_dict",
    "callback_settings",
    "callback_url",
    "create_account",
    "find_account",
    "get_account",
    "get_credentials",
    "get_platform_event",
    "inbox_message",
    "list_accounts",
    "list_inbox",
    "list_platform_events",
    "mark_platform_event_processed",
    "message_follower",
    "record_publication",
    "reply_message",
    "rotate_secret",
    "update_account",
    "write_audit",
]
