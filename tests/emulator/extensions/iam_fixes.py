"""IAM: ListEntitiesForPolicy sees every role, not only the first hundred.

moto 5.2.5 answers ListEntitiesForPolicy by listing the account's users and roles
with the request's Marker and MaxItems (so at most 100 roles by default, sorted by
role id) and keeping those the policy is attached to; it never sets IsTruncated.
An account with more than a hundred roles therefore hides the attachments of the
rest: a client asking "is my policy attached to role R?" hears "no" while AWS says
"yes". AWS pages over the entities the policy is attached to. The replacement does
the same: it filters every user, role and group first, then applies Marker and
MaxItems to what matched, and says IsTruncated when more follow.

Seen as endless drift on a guardrail policy once about twenty environments (eight
roles each) shared one emulator.
"""

from typing import Any

from moto.core.responses import ActionResult
from moto.iam.responses import IamResponse

# The entity kinds each EntityFilter value keeps (no filter: all three). AWS's
# LocalManagedPolicy/AWSManagedPolicy filters narrow by the policy's kind, which
# one ARN fixes already, so they keep every entity kind too.
_KINDS = {
    None: ("User", "Role", "Group"),
    "": ("User", "Role", "Group"),
    "User": ("User",),
    "Role": ("Role",),
    "Group": ("Group",),
    "LocalManagedPolicy": ("User", "Role", "Group"),
    "AWSManagedPolicy": ("User", "Role", "Group"),
}


def _attached(backend: Any, kind: str, policy_arn: str, path_prefix: str) -> list[Any]:
    entities = {"User": backend.users, "Role": backend.roles, "Group": backend.groups}[kind]
    found = [
        e
        for e in entities.values()
        if policy_arn in e.managed_policies and (e.path or "/").startswith(path_prefix)
    ]
    return sorted(found, key=lambda e: e.id)


def _list_entities_for_policy(self: IamResponse) -> ActionResult:
    policy_arn = self._get_param("PolicyArn")
    kinds = _KINDS.get(self._get_param("EntityFilter"), ("User", "Role", "Group"))
    path_prefix = self._get_param("PathPrefix") or "/"
    start = int(self._get_param("Marker") or 0)
    max_items = int(self._get_param("MaxItems") or 100)

    matched = [
        (kind, entity)
        for kind in ("User", "Role", "Group")
        if kind in kinds
        for entity in _attached(self.backend, kind, policy_arn, path_prefix)
    ]
    page = matched[start : start + max_items]
    result: dict[str, Any] = {
        "PolicyUsers": [e for k, e in page if k == "User"],
        "PolicyRoles": [e for k, e in page if k == "Role"],
        "PolicyGroups": [e for k, e in page if k == "Group"],
        "IsTruncated": start + max_items < len(matched),
    }
    if result["IsTruncated"]:
        result["Marker"] = str(start + max_items)
    return ActionResult(result)


def install() -> None:
    IamResponse.list_entities_for_policy = _list_entities_for_policy
