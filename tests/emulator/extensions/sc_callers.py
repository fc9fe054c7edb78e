"""Who calls Service Catalog's end-user operations, and which portfolios let them launch.

On AWS an end user sees and launches a product only through a portfolio their principal is
associated with (AssociatePrincipalWithPortfolio): SearchProducts lists those products, and
ProvisionProduct, UpdateProvisionedProduct and DescribeProvisioningParameters find no launch
path otherwise; SageMaker's CreateProject and UpdateProject launch for their caller, so the same
holds for projects. moto knows no caller. Here the caller is read from the request's credentials,
as CloudTrail's userIdentity (cloudtrail_events.user_identity):

  - an assumed-role session is its role (the sessionIssuer ARN), an IAM user is the user: each
    reaches a portfolio whose principals hold its ARN (PrincipalType IAM), or a pattern
    (IAM_PATTERN, arn:<partition>:iam:::role/<name with * and ?>) its ARN matches with the
    account left out. Group membership is not resolved: a group's association reaches nobody.
  - the account's root (the emulator's default credentials, which the engine and most tests
    use) launches through any portfolio and finds (SearchProducts) the products of those with a
    principal, as before this module: the emulator cannot tell an administrator's tooling from
    the root user, and refusing it would refuse every test that does not assume a role.
"""

import fnmatch
import re
from typing import Any

ROOT = None
_ACCOUNT = re.compile(r"^(arn:[^:]+:iam::)\d{12}(:.*)$")


def caller(response: Any) -> str | None:
    """The caller's principal ARN: a role for an assumed-role session, a user; ROOT (None) for
    the account's root or a request without credentials."""
    from .cloudtrail_events import _access_key, user_identity

    headers = getattr(response, "headers", None) or {}
    key = _access_key(headers)
    if not key:
        return ROOT
    identity = user_identity(response.current_account, response.region, key)
    if identity["type"] == "AssumedRole":
        return identity["sessionContext"]["sessionIssuer"]["arn"]
    if identity["type"] == "IAMUser":
        return identity["arn"]
    return ROOT


def reaches(principals: dict[str, str], who: str | None) -> bool:
    """True when a portfolio with these principals (ARN -> type) lets `who` launch."""
    if who is ROOT:
        return bool(principals)
    bare = _ACCOUNT.sub(r"\1\2", who)
    for arn, ptype in principals.items():
        if ptype == "IAM" and arn == who:
            return True
        if ptype == "IAM_PATTERN" and fnmatch.fnmatchcase(bare, arn):
            return True
    return False
