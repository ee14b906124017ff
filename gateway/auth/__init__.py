"""Staff authentication and authorisation (residents: gateway.auth.resident).

Other rooms use:
    from gateway.auth import staff_required, audit_request, department_scope
"""

from gateway.auth.decorators import audit_request, load_staff, staff_required
from gateway.auth.permissions import department_scope, has_permission, village_scope

__all__ = [
    "audit_request",
    "department_scope",
    "has_permission",
    "load_staff",
    "staff_required",
    "village_scope",
]
