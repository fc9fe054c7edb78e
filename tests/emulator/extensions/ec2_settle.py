"""EC2: NAT gateways and interface endpoints take AWS's time to come and to go.

moto makes a NAT gateway and a VPC endpoint `available` at creation and `deleted` at
once. On AWS a NAT gateway is `pending` for minutes, then `available`; deleting it makes
it `deleting` (its network interface and Elastic IP stay until it is `deleted`). An
interface endpoint is `pending` (`pendingAcceptance` only for services that need
acceptance, which AWS's own never do), then `available`; deleting it makes it `deleting`
and its network interfaces stay until it is `deleted`. A client that does not wait
(creates a route through a NAT gateway it never saw available, deletes a subnet right
after DeleteNatGateway) fails on AWS; with the "aws" latency profile it fails here too
(ec2_rules refuses the subnet while the interfaces remain).

With latency_profile "none" nothing changes. Gateway endpoints stay available at once
(AWS makes them in seconds). The times are latency_profile's ec2:nat_gateway:* and
ec2:vpc_endpoint:*; the transitions are applied lazily by pending.run_due().
"""

from typing import Any

from moto.core.responses import ActionResult
from moto.ec2.models import EC2Backend
from moto.ec2.responses.nat_gateways import NatGateways
from moto.ec2.responses.vpcs import VPCs

from . import latency_profile, pending
from .common import LOCK

_moto: dict[str, Any] = {}


def _is_interface(endpoint: Any) -> bool:
    return (endpoint.vpc_endpoint_type or "").lower() == "interface"


def _create_nat_gateway(self: EC2Backend, *args: Any, **kwargs: Any) -> Any:
    nat = _moto["create_nat_gateway"](self, *args, **kwargs)
    if latency_profile.active():
        nat.state = "pending"

        def available() -> None:
            if self.nat_gateways.get(nat.id) is nat and nat.state == "pending":
                nat.state = "available"

        pending.schedule(latency_profile.settle_seconds("ec2:nat_gateway:create"), available)
    return nat


def _create_vpc_endpoint(self: EC2Backend, *args: Any, **kwargs: Any) -> Any:
    endpoint = _moto["create_vpc_endpoint"](self, *args, **kwargs)
    if latency_profile.active() and _is_interface(endpoint):
        endpoint.state = "pending"

        def available() -> None:
            if self.vpc_end_points.get(endpoint.id) is endpoint and endpoint.state == "pending":
                endpoint.state = "available"

        pending.schedule(latency_profile.settle_seconds("ec2:vpc_endpoint:create"), available)
    return endpoint


# Deletes are deferred for API calls only (moto's CloudFormation and our own clean-ups
# call the backend, and CloudFormation waits for the resource itself: cfn_settle.py).


def delete_nat_gateway(self: NatGateways) -> Any:
    if not latency_profile.active():
        return _moto["delete_nat_gateway_response"](self)
    backend = self.ec2_backend
    nat_id = self._get_param("NatGatewayId")
    with LOCK:
        nat = backend.nat_gateways.get(nat_id)
        if nat is None or nat.state in ("deleted", "failed"):
            return _moto["delete_nat_gateway_response"](self)  # moto's answer (ec2_rules: NotFound)
        if nat.state != "deleting":
            nat.state = "deleting"

            def deleted() -> None:
                if backend.nat_gateways.get(nat_id) is nat and nat.state == "deleting":
                    backend.delete_nat_gateway(nat_id)  # frees its interface and address (ec2_rules)

            pending.schedule(latency_profile.settle_seconds("ec2:nat_gateway:delete"), deleted)
    return ActionResult({"NatGatewayId": nat_id})


def delete_vpc_endpoints(self: VPCs) -> Any:
    if not latency_profile.active():
        return _moto["delete_vpc_endpoints_response"](self)
    backend = self.ec2_backend
    now: list[str] = []
    with LOCK:
        for endpoint_id in self._get_param("VpcEndpointIds", []):
            endpoint = backend.vpc_end_points.get(endpoint_id)
            if endpoint is None or not _is_interface(endpoint) or endpoint.state == "deleted":
                now.append(endpoint_id)
                continue
            if endpoint.state != "deleting":
                endpoint.state = "deleting"

                def deleted(endpoint: Any = endpoint) -> None:
                    if backend.vpc_end_points.get(endpoint.id) is endpoint and endpoint.state == "deleting":
                        backend.delete_vpc_endpoints(vpce_ids=[endpoint.id])

                pending.schedule(latency_profile.settle_seconds("ec2:vpc_endpoint:delete"), deleted)
        if now:
            backend.delete_vpc_endpoints(vpce_ids=now)
    return ActionResult({"Unsuccessful": []})


def install() -> None:
    """Wraps what is there: install after ec2_rules and endpoint_services."""
    _moto["create_nat_gateway"] = EC2Backend.create_nat_gateway
    _moto["create_vpc_endpoint"] = EC2Backend.create_vpc_endpoint
    _moto["delete_nat_gateway_response"] = NatGateways.delete_nat_gateway
    _moto["delete_vpc_endpoints_response"] = VPCs.delete_vpc_endpoints
    EC2Backend.create_nat_gateway = _create_nat_gateway
    EC2Backend.create_vpc_endpoint = _create_vpc_endpoint
    NatGateways.delete_nat_gateway = delete_nat_gateway
    VPCs.delete_vpc_endpoints = delete_vpc_endpoints
