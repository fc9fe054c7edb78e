"""EC2: AWS's deletion rules that moto does not enforce, and the fixes they need.

moto deletes a subnet, security group or VPC whatever still depends on it; AWS
refuses with DependencyViolation (EC2's XML error, HTTP 400). A provider that
destroys in the wrong order passes against plain moto and fails on AWS, so the
emulator refuses as AWS does:

  DeleteSubnet            while network interfaces are in the subnet
  DeleteSecurityGroup     while a network interface or an interface VPC endpoint
                          uses the group, or another group's rule references it
  DeleteVpc               while subnets, non-default security groups, an attached
                          internet gateway, VPC endpoints, NAT gateways (not deleted)
                          or network interfaces remain (moto itself checks only
                          subnets, VPN gateways and extra route tables)
  DetachInternetGateway   while a public address is mapped in the VPC (an Elastic IP
                          associated with an interface there, e.g. a NAT gateway's)
  ReleaseAddress          while a VPC Elastic IP is associated (InvalidIPAddress.InUse;
                          moto disassociated it silently, cutting a NAT gateway off)

and answers NatGatewayNotFound, as AWS does, for DescribeNatGateways and
DeleteNatGateway of an unknown id (moto: an empty list, and a 500).

The rules wrap moto's backend methods, so they hold for every caller (the API
and moto's CloudFormation alike). Network interfaces that AWS creates for a
service are created by moto too (NAT gateways, interface endpoints, EFS mount
targets), so they count; two fixes keep the allowed-after-cleanup paths working:

  - DeleteNatGateway also frees the gateway's interface and its Elastic IP, as
    AWS does once the gateway is deleted (moto keeps both, so the subnet and the
    internet gateway could never go).
  - An interface endpoint's interfaces carry the endpoint's security groups (moto
    gives them the VPC's default group).

And: CreateVpcEndpoint without VpcEndpointType makes a Gateway endpoint, as on AWS
(moto stored no type, and DeleteVpcEndpoints then failed with a 500).
"""

from collections.abc import Iterator
from typing import Any

from moto.ec2.exceptions import DependencyViolationError, EC2ClientError
from moto.ec2.models import EC2Backend

_moto = {
    name: getattr(EC2Backend, name)
    for name in (
        "create_vpc_endpoint",
        "delete_nat_gateway",
        "delete_subnet",
        "delete_security_group",
        "delete_vpc",
        "describe_nat_gateways",
        "detach_internet_gateway",
        "release_address",
    )
}


def _enis_in_vpc(backend: EC2Backend, vpc_id: str) -> Iterator[Any]:
    return (eni for eni in list(backend.enis.values()) if eni.subnet is not None and eni.subnet.vpc_id == vpc_id)


def _live(resources: dict[str, Any], vpc_id: str) -> list[str]:
    """Ids of NAT gateways / VPC endpoints in the VPC that are not deleted."""
    return [r.id for r in list(resources.values()) if r.vpc_id == vpc_id and r.state != "deleted"]


# --- fixes ---------------------------------------------------------------------


def _create_vpc_endpoint(
    self: EC2Backend, vpc_id: str, service_name: str, endpoint_type: str | None, *args: Any, **kwargs: Any
) -> Any:
    endpoint = _moto["create_vpc_endpoint"](self, vpc_id, service_name, endpoint_type or "Gateway", *args, **kwargs)
    if endpoint.security_group_ids:
        groups = [g for g in map(self.get_security_group_from_id, endpoint.security_group_ids) if g]
        for eni_id in endpoint.network_interface_ids:
            if eni_id in self.enis:
                self.enis[eni_id]._group_set = list(groups)
    return endpoint


def _nat_gateway_not_found(nat_gateway_id: str) -> EC2ClientError:
    return EC2ClientError("NatGatewayNotFound", f"The Nat Gateway {nat_gateway_id} was not found")


def _describe_nat_gateways(self: EC2Backend, filters: Any, nat_gateway_ids: list[str] | None) -> Any:
    for nat_gateway_id in nat_gateway_ids or []:
        if nat_gateway_id not in self.nat_gateways:
            raise _nat_gateway_not_found(nat_gateway_id)
    return _moto["describe_nat_gateways"](self, filters, nat_gateway_ids)


def _delete_nat_gateway(self: EC2Backend, nat_gateway_id: str) -> Any:
    if nat_gateway_id not in self.nat_gateways:
        raise _nat_gateway_not_found(nat_gateway_id)
    nat = _moto["delete_nat_gateway"](self, nat_gateway_id)
    eni = getattr(nat, "_eni", None)
    if eni is not None and eni.id in self.enis:
        for address in list(self.addresses):
            if address.eni is not None and address.eni.id == eni.id:
                self.disassociate_address(address=address.public_ip)
        self.enis.pop(eni.id, None)
    return nat


# --- rules ---------------------------------------------------------------------


def _delete_subnet(self: EC2Backend, subnet_id: str) -> Any:
    if any(eni.subnet is not None and eni.subnet.id == subnet_id for eni in list(self.enis.values())):
        raise DependencyViolationError(f"The subnet '{subnet_id}' has dependencies and cannot be deleted.")
    return _moto["delete_subnet"](self, subnet_id)


def _security_group_dependents(backend: EC2Backend, group_id: str) -> bool:
    for eni in list(backend.enis.values()):
        if any(g.id == group_id for g in eni.group_set):
            return True
    for endpoint in list(backend.vpc_end_points.values()):
        if endpoint.state != "deleted" and group_id in (endpoint.security_group_ids or []):
            return True
    for groups in list(backend.groups.values()):
        for group in list(groups.values()):
            if group.id == group_id:
                continue  # a group may reference itself and still be deleted
            for rule in group.ingress_rules + group.egress_rules:
                if (rule.source_group or {}).get("GroupId") == group_id:
                    return True
    return False


def _delete_security_group(self: EC2Backend, name: str | None = None, group_id: str | None = None) -> Any:
    group = self.get_security_group_from_id(group_id) if group_id else None
    if group is None and name and not group_id:
        group = self.get_security_group_by_name_or_id(name)
    if group is not None and _security_group_dependents(self, group.id):
        raise DependencyViolationError(f"resource {group.id} has a dependent object")
    return _moto["delete_security_group"](self, name=name, group_id=group_id)


def _delete_vpc(self: EC2Backend, vpc_id: str) -> Any:
    if vpc_id in self.vpcs:
        non_default_groups = [g for g in self.groups.get(vpc_id, {}).values() if not g.is_default]
        attached_igws = [i for i in self.internet_gateways.values() if i.vpc is not None and i.vpc.id == vpc_id]
        subnets = [s for subnets in self.subnets.values() for s in subnets.values() if s.vpc_id == vpc_id]
        if (
            subnets
            or non_default_groups
            or attached_igws
            or _live(self.vpc_end_points, vpc_id)
            or _live(self.nat_gateways, vpc_id)
            or any(True for _ in _enis_in_vpc(self, vpc_id))
        ):
            raise DependencyViolationError(f"The vpc '{vpc_id}' has dependencies and cannot be deleted.")
    return _moto["delete_vpc"](self, vpc_id)


def _detach_internet_gateway(self: EC2Backend, internet_gateway_id: str, vpc_id: str) -> Any:
    igw = self.internet_gateways.get(internet_gateway_id)
    if igw is not None and igw.vpc is not None and igw.vpc.id == vpc_id:
        # An Elastic IP association sets the interface's public_ip; so does an
        # auto-assigned public address.
        if any(eni.public_ip for eni in _enis_in_vpc(self, vpc_id)):
            raise DependencyViolationError(
                f"Network {vpc_id} has some mapped public address(es). "
                "Please unmap those public address(es) before detaching the gateway."
            )
    return _moto["detach_internet_gateway"](self, internet_gateway_id, vpc_id)


def _release_address(self: EC2Backend, address: str | None = None, allocation_id: str | None = None) -> Any:
    matches = self.address_by_ip([address]) if address else self.address_by_allocation([allocation_id])
    eip = matches[0] if matches else None
    if eip is not None and eip.domain == "vpc" and (eip.association_id or eip.eni is not None):
        raise EC2ClientError("InvalidIPAddress.InUse", f"Address {eip.public_ip} is in use.")
    return _moto["release_address"](self, address=address, allocation_id=allocation_id)


def install() -> None:
    EC2Backend.create_vpc_endpoint = _create_vpc_endpoint
    EC2Backend.delete_nat_gateway = _delete_nat_gateway
    EC2Backend.delete_subnet = _delete_subnet
    EC2Backend.delete_security_group = _delete_security_group
    EC2Backend.delete_vpc = _delete_vpc
    EC2Backend.detach_internet_gateway = _detach_internet_gateway
    EC2Backend.describe_nat_gateways = _describe_nat_gateways
    EC2Backend.release_address = _release_address
