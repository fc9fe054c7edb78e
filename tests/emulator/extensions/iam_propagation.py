"""IAM: a new role cannot be assumed by SageMaker for a few seconds.

IAM is eventually consistent: right after CreateRole, other services may not see the
role yet, and SageMaker's CreateDomain/CreateUserProfile refuse an execution role it
cannot assume with a ValidationException. moto accepts any role at once, so a client
that does not retry that answer passes against moto and fails on AWS.

With the "aws" latency profile, a role created less than iam:role:propagation seconds
(8 AWS seconds, scaled) ago is refused by:

  CreateDomain       DefaultUserSettings.ExecutionRole, DefaultSpaceSettings.ExecutionRole
  CreateUserProfile  UserSettings.ExecutionRole

with 400 ValidationException "Role <arn> could not be assumed. ..." (studio.py and
sagemaker.py call check()). The wording: SageMaker's documented answers for a role it
cannot assume say "Could not assume role <arn>. Please ensure that the role exists and
allows principal 'sagemaker.amazonaws.com' to assume the role." (CreateTransformJob,
https://github.com/awslabs/predictive-maintenance-using-machine-learning/issues/3);
CreateDomain's exact wording was not found in public sources, so the message keeps
that sentence and says "could not be assumed", the phrase clients match on. Roles
that do not exist, or were created before the profile was switched on, are not checked.
"""

import time
from typing import Any

from moto.iam.models import IAMBackend, iam_backends
from moto.sagemaker.exceptions import ValidationError

from . import latency_profile

_moto: dict[str, Any] = {}
CREATED = "_emulator_created_at"


def _create_role(self: IAMBackend, *args: Any, **kwargs: Any) -> Any:
    role = _moto["create_role"](self, *args, **kwargs)
    setattr(role, CREATED, time.monotonic())
    return role


def _find_role(arn: str) -> Any:
    parts = arn.split(":")
    if len(parts) < 6 or parts[2] != "iam":
        return None
    try:
        backend = iam_backends[parts[4]][parts[1]]  # keyed by account, then partition
    except KeyError:
        return None
    return next((r for r in list(backend.roles.values()) if r.arn == arn), None)


def check(*role_arns: str | None) -> None:
    """ValidationException if one of the roles is too new for SageMaker to assume."""
    if not latency_profile.active():
        return
    needed = latency_profile.settle_seconds("iam:role:propagation")
    now = time.monotonic()
    for arn in role_arns:
        if not arn:
            continue
        role = _find_role(arn)
        created = getattr(role, CREATED, None) if role is not None else None
        if created is not None and now - created < needed:
            raise ValidationError(
                f"Role {arn} could not be assumed. Please ensure that the role exists and allows "
                "principal 'sagemaker.amazonaws.com' to assume the role."
            )


def install() -> None:
    _moto["create_role"] = IAMBackend.create_role
    IAMBackend.create_role = _create_role
