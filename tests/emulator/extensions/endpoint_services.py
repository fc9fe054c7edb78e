"""EC2: VPC endpoint services as AWS offers them, zone by zone.

AWS does not offer every endpoint service in every availability zone of a region, and
DescribeVpcEndpointServices says, per service, which zones it is offered in. moto lists
every service in every zone, answers a `service-name` filter with a 500 (it reads the
filter's values under a key botocore never sends), and creates endpoints for service
names that do not exist. Here, as on AWS:

  DescribeVpcEndpointServices  filters by service-name (and service-type) work; each
                               service lists only the zones it is offered in
  CreateVpcEndpoint            an unknown service name is InvalidServiceName; an
                               interface endpoint with a subnet in a zone the service
                               is not offered in is InvalidParameter

Which services are missing from which zones is one table, NOT_OFFERED_IN, so tests
and docs can name it: `bedrock-runtime` is not offered in the region's third zone
(`<region>c`), as some real services are missing from some real zones.

moto names every service's private DNS name `<short name>.<region>.amazonaws.com`. Where
AWS's names differ and a client depends on them, PRIVATE_DNS has AWS's: CodeArtifact's API
endpoint is `codeartifact.<region>.amazonaws.com` and its repositories endpoint (which has
private DNS, so package managers reach `<domain>-<owner>.d.codeartifact.<region>.amazonaws.com`
through it) `*.d.codeartifact.<region>.amazonaws.com`; the endpoints' own DNS names are under
`api.codeartifact.` and `d.codeartifact.<region>.vpce.amazonaws.com`
(https://docs.aws.amazon.com/codeartifact/latest/ug/use-codeartifact-from-vpc.html).
"""

from typing import Any

from moto.ec2.exceptions import EC2ClientError
from moto.ec2.models import EC2Backend

# Service (after `com.amazonaws.<region>.`) -> zone letters it is not offered in.
NOT_OFFERED_IN: dict[str, tuple[str, ...]] = {
    "bedrock-runtime": ("c",),
}

# Service (after `com.amazonaws.<region>.`) -> (private DNS name, base endpoint DNS name);
# "{region}" is the region.
PRIVATE_DNS: dict[str, tuple[str, str]] = {
    "codeartifact.api": ("codeartifact.{region}.amazonaws.com", "api.codeartifact.{region}.vpce.amazonaws.com"),
    "codeartifact.repositories": ("*.d.codeartifact.{region}.amazonaws.com", "d.codeartifact.{region}.vpce.amazonaws.com"),
}

_moto: dict[str, Any] = {}


def _short_name(service_name: str, region: str) -> str:
    for prefix in (f"com.amazonaws.{region}.", f"aws.sagemaker.{region}."):
        if service_name.startswith(prefix):
            return service_name[len(prefix) :]
    return service_name


def offered_zones(service_name: str, region: str, zones: list[str]) -> list[str]:
    """The zones of `zones` the service is offered in."""
    missing = {f"{region}{letter}" for letter in NOT_OFFERED_IN.get(_short_name(service_name, region), ())}
    return [z for z in zones if z not in missing]


def _dns_names(detail: dict[str, Any], region: str) -> dict[str, Any]:
    names = PRIVATE_DNS.get(_short_name(detail["ServiceName"], region))
    if names is None:
        return {}
    private, base = (n.format(region=region) for n in names)
    return {
        "PrivateDnsName": private,
        "PrivateDnsNames": [{"PrivateDnsName": private}],
        "PrivateDnsNameVerificationState": "verified",
        "BaseEndpointDnsNames": [base],
    }


def _normalise(filters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """botocore sends `Values`; moto's service-name filter reads `Value`."""
    out = []
    for item in filters or []:
        values = list(item.get("Value", [])) + list(item.get("Values", []))
        out.append({"Name": item.get("Name"), "Value": values})
    return out


def _describe_vpc_endpoint_services(
    self: EC2Backend,
    service_names: list[str],
    filters: Any,
    max_results: int,
    next_token: str | None,
    region: str,
) -> dict[str, Any]:
    answer = _moto["describe_vpc_endpoint_services"](
        self, service_names, _normalise(filters), max_results, next_token, region
    )
    answer["servicesDetails"] = [
        {
            **detail,
            "AvailabilityZones": offered_zones(
                detail["ServiceName"], region, list(detail.get("AvailabilityZones", []))
            ),
            **_dns_names(detail, region),
        }
        for detail in answer["servicesDetails"]
    ]
    return answer


def _known_service(backend: EC2Backend, service_name: str) -> bool:
    region = backend.region_name
    defaults = backend._collect_default_endpoint_services(backend.account_id, region)
    custom = [x.to_dict() for x in backend.configurations.values()]
    return any(s["ServiceName"] == service_name for s in defaults + custom)


def _create_vpc_endpoint(
    self: EC2Backend, vpc_id: str, service_name: str, endpoint_type: str | None, *args: Any, **kwargs: Any
) -> Any:
    if not _known_service(self, service_name):
        raise EC2ClientError("InvalidServiceName", f"The Vpc Endpoint Service '{service_name}' does not exist")
    if (endpoint_type or "").lower() == "interface":
        subnet_ids = kwargs.get("subnet_ids")
        if subnet_ids is None and len(args) >= 3:
            subnet_ids = args[2]
        for subnet_id in subnet_ids or []:
            subnet = self.get_subnet(subnet_id)
            zone = subnet.availability_zone
            if zone not in offered_zones(service_name, self.region_name, [zone]):
                raise EC2ClientError(
                    "InvalidParameter",
                    f"The VPC endpoint service {service_name} does not support the availability "
                    f"zone of the subnet: {subnet_id}.",
                )
    return _moto["create_vpc_endpoint"](self, vpc_id, service_name, endpoint_type, *args, **kwargs)


def install() -> None:
    """Wraps what is there (install after ec2_rules, which wraps CreateVpcEndpoint too)."""
    for name in ("describe_vpc_endpoint_services", "create_vpc_endpoint"):
        _moto[name] = getattr(EC2Backend, name)
    EC2Backend.describe_vpc_endpoint_services = _describe_vpc_endpoint_services
    EC2Backend.create_vpc_endpoint = _create_vpc_endpoint
