"""CloudFormation: a stack takes as long as its resources.

CloudFormation waits for each resource to stabilise before it moves on (a NAT gateway
until it is available, a deleted mount target until it is gone), so a stack with such
resources takes minutes. moto creates them inside the call, and cfn_custom.py's
background stacks then finish in milliseconds. With the "aws" latency profile, after
moto has created (or deleted) a resource of a kind the profile knows, the stack's
thread waits that kind's settle time and applies the due transitions (pending.run_due),
so the resource is settled when the stack goes on, and DescribeStacks shows
*_IN_PROGRESS meanwhile.

Resources the profile does not know take no extra time; custom resources take as long
as their Lambda function (which makes its own calls and waits). Nested stacks and
updates: not modelled.
"""

import time
from typing import Any

from moto.cloudformation import parsing
from moto.cloudformation.parsing import ResourceMap

from . import latency_profile, pending

# CloudFormation type -> (latency_profile kind on create, on delete). An interface
# VPC endpoint only (gateway endpoints are ready at once).
KINDS: dict[str, tuple[str | None, str | None]] = {
    "AWS::EC2::NatGateway": ("ec2:nat_gateway:create", "ec2:nat_gateway:delete"),
    "AWS::EC2::VPCEndpoint": ("ec2:vpc_endpoint:create", "ec2:vpc_endpoint:delete"),
    "AWS::EFS::MountTarget": (None, "efs:mount_target:delete"),
}

_moto: dict[str, Any] = {}


def _wait_for(resource_type: str, resource: Any, which: int) -> None:
    if not latency_profile.active() or resource_type not in KINDS:
        return
    kind = KINDS[resource_type][which]
    if kind is None:
        return
    if resource_type == "AWS::EC2::VPCEndpoint" and (getattr(resource, "vpc_endpoint_type", "") or "").lower() != "interface":
        return
    time.sleep(latency_profile.settle_seconds(kind))
    pending.run_due()


def _parse_and_create_resource(logical_id: str, resource_json: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
    resource = _moto["create"](logical_id, resource_json, *args, **kwargs)
    if resource is not None:
        _wait_for(resource_json.get("Type", ""), resource, 0)
    return resource


def _delete_resource(self: ResourceMap, parsed_resource: Any, resource_json: dict[str, Any]) -> None:
    _moto["delete"](self, parsed_resource, resource_json)
    _wait_for(resource_json.get("Type", ""), parsed_resource, 1)


def install() -> None:
    _moto["create"] = parsing.parse_and_create_resource
    _moto["delete"] = ResourceMap._delete_resource
    parsing.parse_and_create_resource = _parse_and_create_resource
    ResourceMap._delete_resource = _delete_resource
