"""EFS: a mount target takes AWS's time to go.

moto removes a mount target (and its network interface) inside DeleteMountTarget. On
AWS the mount target is `deleting` for about a minute: DescribeMountTargets still lists
it, its network interface stays (so its subnet and security groups cannot be deleted
yet) and DeleteFileSystem is refused (FileSystemInUse) until it is gone. A teardown of a
Studio domain's retained home EFS that does not wait fails on AWS; with the "aws"
latency profile it fails here too.

With latency_profile "none" nothing changes. The time is latency_profile's
efs:mount_target:delete. Only API calls are deferred: studio.py's own clean-up (a
domain deleted with RetentionPolicy Delete) calls the backend and is part of the
domain's Deleting time.
"""

import json
from typing import Any

from moto.efs.responses import EFSResponse

from . import latency_profile, pending
from .common import LOCK

_moto: dict[str, Any] = {}


def delete_mount_target(self: EFSResponse) -> Any:
    if not latency_profile.active():
        return _moto["delete_mount_target"](self)
    backend = self.efs_backend
    target_id = self._get_param("MountTargetId")
    with LOCK:
        target = backend.mount_targets_by_id.get(target_id)
        if target is None:
            return _moto["delete_mount_target"](self)  # moto's MountTargetNotFound
        if target.life_cycle_state != "deleting":
            target.life_cycle_state = "deleting"

            def deleted() -> None:
                if backend.mount_targets_by_id.get(target_id) is target:
                    backend.delete_mount_target(target_id)

            pending.schedule(latency_profile.settle_seconds("efs:mount_target:delete"), deleted)
    return json.dumps({}), {"status": 204, "Content-Type": "application/json"}


def install() -> None:
    _moto["delete_mount_target"] = EFSResponse.delete_mount_target
    EFSResponse.delete_mount_target = delete_mount_target
