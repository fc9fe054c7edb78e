"""Which of the engine's AWS calls work on LocalStack, and where LocalStack differs from AWS.

    scripts/localstack probe                 # its own LocalStack on a free port, stopped after
    scripts/localstack probe --markdown      # the table as Markdown
    AWS_ENDPOINT_URL=http://127.0.0.1:4567 scripts/localstack probe   # one already running

Runs the calls the engine makes (tests/packaging/test_cfn_templates.py lists them; see
core/src/children/) in the order the engine makes them, plus the cases where AWS refuses a
request (dependency violations, malformed policies, quotas), and prints one row per
observation:

    ok       LocalStack answers as AWS does, as far as the row says
    differs  the call works, but the answer or the refusal is not AWS's
    fails    the call errors (or is not served) where AWS answers

What AWS does is taken from the AWS documentation (tests/README.md links the pages); nothing
here calls AWS. Exit code 0 unless the probe itself broke.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import traceback
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "..", "scripts", "localstack")
REGION = "us-east-1"


class Abort(Exception):
    """A call a scenario depends on failed; the rest of the scenario is skipped."""


@dataclass
class Row:
    call: str
    result: str
    note: str


@dataclass
class Probe:
    endpoint: str
    rows: list[Row] = field(default_factory=list)
    run: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    def client(self, service: str, endpoint: str | None = None):
        return boto3.client(
            service,
            endpoint_url=endpoint or self.endpoint,
            region_name=REGION,
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
        )

    # -- recording ------------------------------------------------------------------------
    def ok(self, call: str, note: str = "") -> None:
        self.rows.append(Row(call, "ok", note))

    def differs(self, call: str, note: str) -> None:
        self.rows.append(Row(call, "differs", note))

    def fails(self, call: str, note: str) -> None:
        self.rows.append(Row(call, "fails", note))

    def call(self, name: str, fn: Callable[[], Any], note: str = "", record: bool = True) -> Any:
        """Run a call AWS answers; record ok, or fails and abort the scenario."""
        try:
            out = fn()
        except ClientError as e:
            self.fails(name, describe(e))
            raise Abort(name) from e
        if record:
            self.ok(name, note)
        return out

    def refused(self, name: str, what: str, aws: str | None, fn: Callable[[], Any]) -> bool:
        """A request AWS refuses (with error code `aws`; None: any error). True if accepted."""
        try:
            fn()
        except ClientError as e:
            code = error_code(e)
            if aws is None or code == aws:
                self.ok(name, f"{what}: refused ({code}), as on AWS")
            else:
                self.differs(name, f"{what}: refused with {code}; AWS: {aws}")
            return False
        self.differs(name, f"{what}: accepted; AWS refuses" + (f" ({aws})" if aws else ""))
        return True

    def check(self, name: str, good: bool, same: str, other: str) -> None:
        """Record an observation about an answer: ok with `same`, else differs with `other`."""
        if good:
            self.ok(name, same)
        else:
            self.differs(name, other)

    def name(self, prefix: str) -> str:
        return f"probe-{self.run}-{prefix}"


def error_code(e: ClientError) -> str:
    return str(e.response.get("Error", {}).get("Code", "?"))


def describe(e: ClientError) -> str:
    err = e.response.get("Error", {})
    status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode", "?")
    message = str(err.get("Message", "")).splitlines()[0][:90] if err.get("Message") else ""
    return f"HTTP {status} {err.get('Code', '?')}: {message}"


def quietly(fn: Callable[[], Any]) -> None:
    """Clean-up calls whose outcome is not an observation."""
    try:
        fn()
    except ClientError:
        pass


def same_json(a: Any, b: Any) -> bool:
    load = lambda x: json.loads(x) if isinstance(x, str) else x  # noqa: E731
    try:
        return load(a) == load(b)
    except ValueError:
        return False


def tags_of(items: list[dict] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in items or []}


def tag_spec(kind: str, p: Probe, logical: str) -> list[dict]:
    return [
        {
            "ResourceType": kind,
            "Tags": [
                {"Key": "Name", "Value": p.name(logical)},
                {"Key": "secure-mlops:environment", "Value": p.name("env")},
                {"Key": "secure-mlops:component", "Value": logical},
            ],
        }
    ]


def owner_filters(p: Probe, logical: str) -> list[dict]:
    return [
        {"Name": "tag:secure-mlops:environment", "Values": [p.name("env")]},
        {"Name": "tag:secure-mlops:component", "Values": [logical]},
    ]


# -- STS ------------------------------------------------------------------------------------
def sts(p: Probe) -> None:
    who = p.call("sts:GetCallerIdentity", lambda: p.client("sts").get_caller_identity(), record=False)
    p.ok("sts:GetCallerIdentity", f"account {who['Account']}, {who['Arn']} (any credentials are accepted)")


# -- EC2 ------------------------------------------------------------------------------------
def ec2(p: Probe) -> None:
    ec2 = p.client("ec2")
    azs = p.call("ec2:DescribeAvailabilityZones", lambda: ec2.describe_availability_zones(), record=False)
    zones = [z["ZoneName"] for z in azs["AvailabilityZones"]]
    p.ok("ec2:DescribeAvailabilityZones", f"{len(zones)} zones: {', '.join(zones)}")
    if len(zones) < 2:
        raise Abort("fewer than two zones")

    vpc = p.call(
        "ec2:CreateVpc",
        lambda: ec2.create_vpc(CidrBlock="10.42.0.0/16", TagSpecifications=tag_spec("vpc", p, "vpc")),
        record=False,
    )["Vpc"]
    vpc_id = vpc["VpcId"]
    p.check("ec2:CreateVpc", tags_of(vpc.get("Tags")).get("secure-mlops:component") == "vpc",
            "TagSpecifications applied in the create", "tags of TagSpecifications missing in the answer")
    # A second VPC with the same environment but another component: the tag filter must tell them apart.
    other = ec2.create_vpc(CidrBlock="10.43.0.0/16", TagSpecifications=tag_spec("vpc", p, "other"))["Vpc"]["VpcId"]
    found = p.call("ec2:DescribeVpcs", lambda: ec2.describe_vpcs(Filters=owner_filters(p, "vpc")), record=False)
    ids = [v["VpcId"] for v in found["Vpcs"]]
    p.check("ec2:DescribeVpcs", ids == [vpc_id], "tag:<key> filters select by tag",
            f"tag filters answered {ids}, expected [{vpc_id}]")
    try:
        _ec2_network(p, ec2, vpc_id, zones)
    finally:
        _ec2_vpc_dependencies(p, ec2, other)


def _ec2_vpc_dependencies(p: Probe, ec2, vpc_id: str) -> None:
    """DeleteVpc with an internet gateway attached, or a security group of its own left."""
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)
    if p.refused("ec2:DeleteVpc", "with an internet gateway attached", "DependencyViolation",
                 lambda: ec2.delete_vpc(VpcId=vpc_id)):
        quietly(lambda: ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id))
        quietly(lambda: ec2.delete_internet_gateway(InternetGatewayId=igw))
        vpc_id = ec2.create_vpc(CidrBlock="10.44.0.0/16")["Vpc"]["VpcId"]
    else:
        ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)
        ec2.delete_internet_gateway(InternetGatewayId=igw)
    sg = ec2.create_security_group(GroupName=p.name("left"), Description="left", VpcId=vpc_id)["GroupId"]
    if p.refused("ec2:DeleteVpc", "with a non-default security group left", "DependencyViolation",
                 lambda: ec2.delete_vpc(VpcId=vpc_id)):
        return
    ec2.delete_security_group(GroupId=sg)
    p.call("ec2:DeleteVpc", lambda: ec2.delete_vpc(VpcId=vpc_id), "empty VPC deleted")


def _without_version(doc: Any) -> Any:
    try:
        d = json.loads(doc) if isinstance(doc, str) else dict(doc)
    except (TypeError, ValueError):
        return doc
    d.pop("Version", None)
    return d


def _check_policy(p: Probe, call: str, got: Any, want: dict) -> None:
    if same_json(got, want):
        p.ok(call, "policy document as given")
    elif same_json(_without_version(got), _without_version(want)):
        p.differs(call, "policy document without its \"Version\" key (a semantic comparison sees a change)")
    else:
        p.differs(call, f"policy document changed: {got}")


def _gateway_token(p: Probe, ec2, vpc_id: str, service: str) -> None:
    """CreateVpcEndpoint twice with one ClientToken, on a route table of its own."""
    rtb = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    args = dict(VpcId=vpc_id, ServiceName=service, VpcEndpointType="Gateway", RouteTableIds=[rtb],
                ClientToken=p.name("token"))
    first = ec2.create_vpc_endpoint(**args)["VpcEndpoint"]["VpcEndpointId"]
    second = ec2.create_vpc_endpoint(**args)["VpcEndpoint"]["VpcEndpointId"]
    if first == second:
        p.ok("ec2:CreateVpcEndpoint", "same ClientToken: the same endpoint (idempotent)")
        ec2.delete_vpc_endpoints(VpcEndpointIds=[first])
    else:
        # Both endpoints share the one prefix-list route of the table.
        ec2.delete_vpc_endpoints(VpcEndpointIds=[second])
        try:
            ec2.delete_vpc_endpoints(VpcEndpointIds=[first])
            after = "the first one could still be deleted"
        except ClientError as e:
            after = f"deleting it took the shared prefix-list route, and DeleteVpcEndpoints of the first then fails ({error_code(e)})"
        p.differs("ec2:CreateVpcEndpoint", f"the same ClientToken made a second Gateway endpoint on the same route "
                  f"table (AWS: answers the first); {after}")
    quietly(lambda: ec2.delete_route_table(RouteTableId=rtb))


def _ec2_network(p: Probe, ec2, vpc_id: str, zones: list[str]) -> None:
    attrs = ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsHostnames")
    hostnames_default = attrs["EnableDnsHostnames"]["Value"]

    subnets = []
    for i, zone in enumerate(zones[:2]):
        s = p.call(
            "ec2:CreateSubnet",
            lambda: ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.42.{i}.0/24", AvailabilityZone=zone,
                                      TagSpecifications=tag_spec("subnet", p, f"subnet-private-{i}")),
            record=False,
        )["Subnet"]
        subnets.append(s["SubnetId"])
    p.ok("ec2:CreateSubnet", "in a chosen zone, tagged")
    got = p.call("ec2:DescribeSubnets", lambda: ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}]),
                 record=False)
    p.check("ec2:DescribeSubnets", sorted(s["SubnetId"] for s in got["Subnets"]) == sorted(subnets),
            "vpc-id filter", f"answered {[s['SubnetId'] for s in got['Subnets']]}")

    # Security groups and rules: the endpoints' group allows 443 from the VPC and nothing out.
    sg = p.call("ec2:CreateSecurityGroup",
                lambda: ec2.create_security_group(GroupName=p.name("endpoints"), Description="endpoints",
                                                  VpcId=vpc_id,
                                                  TagSpecifications=tag_spec("security-group", p, "sg-endpoints")),
                "tagged")["GroupId"]
    p.call("ec2:AuthorizeSecurityGroupIngress",
           lambda: ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
               {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.42.0.0/16"}]},
               {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": sg}]}]),
           "CIDR and self-referencing rules")
    p.call("ec2:RevokeSecurityGroupEgress",
           lambda: ec2.revoke_security_group_egress(GroupId=sg, IpPermissions=[
               {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]),
           "the default allow-all egress rule removed")
    described = p.call("ec2:DescribeSecurityGroups", lambda: ec2.describe_security_groups(GroupIds=[sg]),
                       record=False)["SecurityGroups"][0]
    p.check("ec2:DescribeSecurityGroups",
            len(described["IpPermissions"]) == 2 and described["IpPermissionsEgress"] == [],
            "2 ingress rules, no egress", f"ingress {described['IpPermissions']}, egress {described['IpPermissionsEgress']}")
    p.call("ec2:RevokeSecurityGroupIngress",
           lambda: ec2.revoke_security_group_ingress(GroupId=sg, IpPermissions=[
               {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": sg}]}]))
    p.refused("ec2:AuthorizeSecurityGroupIngress", "the same rule twice", "InvalidPermission.Duplicate",
              lambda: ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
                  {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.42.0.0/16"}]}]))

    # Route tables.
    rtb = p.call("ec2:CreateRouteTable",
                 lambda: ec2.create_route_table(VpcId=vpc_id, TagSpecifications=tag_spec("route-table", p, "rtb-private")),
                 "tagged")["RouteTable"]["RouteTableId"]
    rtb2 = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    assoc = p.call("ec2:AssociateRouteTable", lambda: ec2.associate_route_table(RouteTableId=rtb, SubnetId=subnets[0]))
    assoc_id = assoc["AssociationId"]
    new_assoc = p.call("ec2:ReplaceRouteTableAssociation",
                       lambda: ec2.replace_route_table_association(AssociationId=assoc_id, RouteTableId=rtb2))
    p.refused("ec2:DeleteRouteTable", "while associated with a subnet", "DependencyViolation",
              lambda: ec2.delete_route_table(RouteTableId=rtb2))
    p.call("ec2:DisassociateRouteTable",
           lambda: ec2.disassociate_route_table(AssociationId=new_assoc["NewAssociationId"]))
    p.call("ec2:DeleteRouteTable", lambda: ec2.delete_route_table(RouteTableId=rtb2))
    ec2.associate_route_table(RouteTableId=rtb, SubnetId=subnets[0])
    ec2.associate_route_table(RouteTableId=rtb, SubnetId=subnets[1])

    # Endpoint services and zones.
    wanted = [f"com.amazonaws.{REGION}.{s}" for s in ("s3", "sagemaker.api", "sagemaker.runtime", "sts", "logs",
                                                       "kms", "ecr.api", "ecr.dkr", "ssm", "servicecatalog")]
    services = p.call("ec2:DescribeVpcEndpointServices",
                      lambda: ec2.describe_vpc_endpoint_services(ServiceNames=wanted), record=False)
    details = {d["ServiceName"]: d for d in services.get("ServiceDetails", [])}
    missing = [w for w in wanted if w not in details]
    zoned = all(d.get("AvailabilityZones") for d in details.values())
    p.check("ec2:DescribeVpcEndpointServices", not missing and zoned,
            f"all {len(wanted)} services found, each with its zones",
            f"missing {missing}" if missing else "some services have no AvailabilityZones")
    # S3 is offered twice (one entry per type): collect the types of every entry.
    s3_types = [t["ServiceType"] for d in services.get("ServiceDetails", []) if d["ServiceName"] == wanted[0]
                for t in d.get("ServiceType", [])]
    p.check("ec2:DescribeVpcEndpointServices", sorted(s3_types) == ["Gateway", "Interface"],
            "S3 offered as Gateway and Interface", f"S3 service types {s3_types}")

    # Gateway endpoint for S3, with a policy and the route table.
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}]}
    token = p.name("gw")
    create_gw = lambda: ec2.create_vpc_endpoint(  # noqa: E731
        VpcId=vpc_id, ServiceName=wanted[0], VpcEndpointType="Gateway", RouteTableIds=[rtb],
        PolicyDocument=json.dumps(policy), ClientToken=token,
        TagSpecifications=tag_spec("vpc-endpoint", p, "endpoint-s3"))
    gw = p.call("ec2:CreateVpcEndpoint", create_gw, "Gateway with policy, route table and ClientToken")["VpcEndpoint"]
    p.check("ec2:CreateVpcEndpoint", same_json(gw.get("PolicyDocument"), policy),
            "the answer carries the policy as given", f"policy in the answer: {gw.get('PolicyDocument')}")
    routes = ec2.describe_route_tables(RouteTableIds=[rtb])["RouteTables"][0]["Routes"]
    p.check("ec2:CreateVpcEndpoint", any(r.get("GatewayId") == gw["VpcEndpointId"] and r.get("DestinationPrefixListId")
                                         for r in routes),
            "Gateway endpoint adds the S3 prefix-list route to the route table", "no prefix-list route in the route table")
    _gateway_token(p, ec2, vpc_id, wanted[0])
    desc = p.call("ec2:DescribeVpcEndpoints",
                  lambda: ec2.describe_vpc_endpoints(VpcEndpointIds=[gw["VpcEndpointId"]]), record=False)
    _check_policy(p, "ec2:DescribeVpcEndpoints", desc["VpcEndpoints"][0].get("PolicyDocument"), policy)
    policy2 = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}]}
    p.call("ec2:ModifyVpcEndpoint",
           lambda: ec2.modify_vpc_endpoint(VpcEndpointId=gw["VpcEndpointId"], PolicyDocument=json.dumps(policy2)))
    desc = ec2.describe_vpc_endpoints(VpcEndpointIds=[gw["VpcEndpointId"]])["VpcEndpoints"][0]
    p.check("ec2:ModifyVpcEndpoint", same_json(_without_version(desc.get("PolicyDocument")), _without_version(policy2)),
            "the new policy is in force", f"policy after the change: {desc.get('PolicyDocument')}")
    p.refused("ec2:CreateVpcEndpoint", "service name that does not exist", "InvalidServiceName",
              lambda: ec2.create_vpc_endpoint(VpcId=vpc_id, ServiceName=f"com.amazonaws.{REGION}.no-such-service",
                                              VpcEndpointType="Interface", SubnetIds=[subnets[0]]))

    # Interface endpoint: private DNS needs enableDnsHostnames (off by default in a new VPC).
    interface = dict(VpcId=vpc_id, ServiceName=wanted[1], VpcEndpointType="Interface", SubnetIds=subnets,
                     SecurityGroupIds=[sg], PrivateDnsEnabled=True)
    if not hostnames_default:
        p.refused("ec2:CreateVpcEndpoint", "Interface with private DNS while enableDnsHostnames is off",
                  "InvalidParameter", lambda: ec2.create_vpc_endpoint(**interface))
        # Whatever it made, leave only what the next step makes.
        for e in ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["VpcEndpoints"]:
            if e["VpcEndpointType"] == "Interface" and e["State"].lower() not in ("deleted", "deleting"):
                ec2.delete_vpc_endpoints(VpcEndpointIds=[e["VpcEndpointId"]])
    p.call("ec2:ModifyVpcAttribute",
           lambda: ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True}), "enableDnsHostnames")
    p.call("ec2:ModifyVpcAttribute",
           lambda: ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsSupport={"Value": True}), "enableDnsSupport")
    ep = p.call("ec2:CreateVpcEndpoint", lambda: ec2.create_vpc_endpoint(
        **interface, ClientToken=p.name("if"), TagSpecifications=tag_spec("vpc-endpoint", p, "endpoint-sagemaker-api")),
        "Interface in 2 subnets with a security group and private DNS")["VpcEndpoint"]
    ep_id = ep["VpcEndpointId"]
    p.check("ec2:CreateVpcEndpoint", ep["State"].lower() in ("pending", "pendingacceptance"),
            f"state {ep['State']} at first", f"state {ep['State']} at once (AWS: pending for a minute or two)")
    p.refused("ec2:CreateVpcEndpoint", "a second private-DNS endpoint for the same service in the VPC",
              "InvalidParameter", lambda: ec2.create_vpc_endpoint(**interface))
    for e in ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["VpcEndpoints"]:
        if e["VpcEndpointType"] == "Interface" and e["VpcEndpointId"] != ep_id and e["State"].lower() != "deleted":
            ec2.delete_vpc_endpoints(VpcEndpointIds=[e["VpcEndpointId"]])
    desc = ec2.describe_vpc_endpoints(VpcEndpointIds=[ep_id])["VpcEndpoints"][0]
    p.check("ec2:DescribeVpcEndpoints", desc.get("PrivateDnsEnabled") is True and len(desc.get("DnsEntries", [])) > 0,
            "PrivateDnsEnabled and DnsEntries", f"PrivateDnsEnabled {desc.get('PrivateDnsEnabled')}, "
            f"{len(desc.get('DnsEntries', []))} DNS entries")
    enis = p.call("ec2:DescribeNetworkInterfaces", lambda: ec2.describe_network_interfaces(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}]), record=False)["NetworkInterfaces"]
    ep_enis = [n for n in enis if n["NetworkInterfaceId"] in desc.get("NetworkInterfaceIds", [])]
    groups = {g["GroupId"] for n in ep_enis for g in n.get("Groups", [])}
    names = sorted({g.get("GroupName", g["GroupId"]) for n in ep_enis for g in n.get("Groups", [])})
    p.check("ec2:DescribeNetworkInterfaces", len(ep_enis) == 2 and groups == {sg},
            "one interface per subnet, with the endpoint's security group",
            f"{len(ep_enis)} endpoint interfaces (of {len(desc.get('NetworkInterfaceIds', []))} listed); "
            f"they carry the groups {names}, not the endpoint's")
    modify = p.call("ec2:ModifyVpcEndpoint", lambda: ec2.modify_vpc_endpoint(
        VpcEndpointId=ep_id, PrivateDnsEnabled=True, AddSecurityGroupIds=[sg]), "PrivateDnsEnabled, security groups")
    del modify

    # Dependencies AWS enforces on delete.
    spare = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.42.9.0/24", AvailabilityZone=zones[0])["Subnet"]["SubnetId"]
    eni_sg = ec2.create_security_group(GroupName=p.name("eni"), Description="eni", VpcId=vpc_id)["GroupId"]
    eni = ec2.create_network_interface(SubnetId=spare, Groups=[eni_sg])["NetworkInterface"]["NetworkInterfaceId"]
    subnet_gone = p.refused("ec2:DeleteSubnet", "with a network interface in it", "DependencyViolation",
                            lambda: ec2.delete_subnet(SubnetId=spare))
    sg_gone = p.refused("ec2:DeleteSecurityGroup", "while a network interface uses it", "DependencyViolation",
                        lambda: ec2.delete_security_group(GroupId=eni_sg))
    quietly(lambda: ec2.delete_network_interface(NetworkInterfaceId=eni))
    if not sg_gone:
        quietly(lambda: ec2.delete_security_group(GroupId=eni_sg))
    if not subnet_gone:
        quietly(lambda: ec2.delete_subnet(SubnetId=spare))
    ref = ec2.create_security_group(GroupName=p.name("ref"), Description="ref", VpcId=vpc_id)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": ref}]}])
    if not p.refused("ec2:DeleteSecurityGroup", "while another group's rule references it", "DependencyViolation",
                     lambda: ec2.delete_security_group(GroupId=ref)):
        ec2.revoke_security_group_ingress(GroupId=sg, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": ref}]}])
        ec2.delete_security_group(GroupId=ref)

    # Flow logs to a CloudWatch Logs group.
    logs = p.client("logs")
    group = "/probe/" + p.name("flow")
    logs.create_log_group(logGroupName=group)
    role_arn = f"arn:aws:iam::000000000000:role/{p.name('flow')}"
    fl = p.call("ec2:CreateFlowLogs", lambda: ec2.create_flow_logs(
        ResourceType="VPC", ResourceIds=[vpc_id], TrafficType="ALL", LogDestinationType="cloud-watch-logs",
        LogGroupName=group, DeliverLogsPermissionArn=role_arn, ClientToken=p.name("fl"),
        TagSpecifications=tag_spec("vpc-flow-log", p, "flow-log")), record=False)
    p.check("ec2:CreateFlowLogs", not fl.get("Unsuccessful") and len(fl["FlowLogIds"]) == 1,
            "to CloudWatch Logs, with a role ARN nobody checked", f"answer {fl}")
    fls = p.call("ec2:DescribeFlowLogs", lambda: ec2.describe_flow_logs(
        Filters=[{"Name": "resource-id", "Values": [vpc_id]}]), record=False)["FlowLogs"]
    p.check("ec2:DescribeFlowLogs", len(fls) == 1 and fls[0].get("LogGroupName") == group
            and tags_of(fls[0].get("Tags")).get("secure-mlops:component") == "flow-log",
            "log group and tags", f"answer {fls}")
    p.call("ec2:DeleteFlowLogs", lambda: ec2.delete_flow_logs(FlowLogIds=fl["FlowLogIds"]))
    logs.delete_log_group(logGroupName=group)

    # Internet gateway, Elastic IP and NAT gateway in a public subnet.
    public = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.42.100.0/24", AvailabilityZone=zones[0])["Subnet"]["SubnetId"]
    igw = p.call("ec2:CreateInternetGateway", lambda: ec2.create_internet_gateway(
        TagSpecifications=tag_spec("internet-gateway", p, "igw")))["InternetGateway"]["InternetGatewayId"]
    p.call("ec2:AttachInternetGateway", lambda: ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id))
    p.call("ec2:DescribeInternetGateways", lambda: ec2.describe_internet_gateways(Filters=owner_filters(p, "igw")))
    eip = p.call("ec2:AllocateAddress", lambda: ec2.allocate_address(
        Domain="vpc", TagSpecifications=tag_spec("elastic-ip", p, "eip")))["AllocationId"]
    nat = p.call("ec2:CreateNatGateway", lambda: ec2.create_nat_gateway(
        SubnetId=public, AllocationId=eip, ClientToken=p.name("nat"),
        TagSpecifications=tag_spec("natgateway", p, "nat")), record=False)["NatGateway"]
    nat_id = nat["NatGatewayId"]
    state = ec2.describe_nat_gateways(NatGatewayIds=[nat_id])["NatGateways"][0]["State"]
    p.check("ec2:CreateNatGateway", state == "pending", "pending at first",
            f"'{state}' at once (AWS: pending, available after a few minutes)")
    try:
        again = ec2.create_nat_gateway(SubnetId=public, AllocationId=eip, ClientToken=p.name("nat"))["NatGateway"]
        p.check("ec2:CreateNatGateway", again["NatGatewayId"] == nat_id, "same ClientToken: the same gateway",
                f"same ClientToken made a second gateway {again['NatGatewayId']}")
    except ClientError as e:
        p.differs("ec2:CreateNatGateway", f"same ClientToken again: refused with {error_code(e)} "
                  "(AWS: answers the first gateway)")
    p.call("ec2:DescribeNatGateways", lambda: ec2.describe_nat_gateways(Filters=owner_filters(p, "nat")))
    p.refused("ec2:DescribeNatGateways", "an unknown id", "NatGatewayNotFound",
              lambda: ec2.describe_nat_gateways(NatGatewayIds=["nat-0123456789abcdef0"]))
    addr = p.call("ec2:DescribeAddresses", lambda: ec2.describe_addresses(AllocationIds=[eip]),
                  record=False)["Addresses"][0]
    p.check("ec2:DescribeAddresses", bool(addr.get("AssociationId") or addr.get("NetworkInterfaceId")),
            "the address is associated with the NAT gateway's interface", f"address not associated: {addr}")
    p.call("ec2:CreateRoute", lambda: ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0",
                                                       NatGatewayId=nat_id), "0.0.0.0/0 to the NAT gateway")
    p.call("ec2:ReplaceRoute", lambda: ec2.replace_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0",
                                                         GatewayId=igw), "to the internet gateway")
    p.call("ec2:DescribeRouteTables", lambda: ec2.describe_route_tables(Filters=owner_filters(p, "rtb-private")))
    p.call("ec2:DeleteRoute", lambda: ec2.delete_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0"))
    released = p.refused("ec2:ReleaseAddress", "while the NAT gateway holds it", "InvalidIPAddress.InUse",
                         lambda: ec2.release_address(AllocationId=eip))
    if p.refused("ec2:DetachInternetGateway", "while a NAT gateway's public address is mapped in the VPC",
                 "DependencyViolation", lambda: ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)):
        ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)
    p.refused("ec2:DeleteInternetGateway", "while attached", "DependencyViolation",
              lambda: ec2.delete_internet_gateway(InternetGatewayId=igw))
    p.refused("ec2:DeleteVpc", "with subnets in it", "DependencyViolation", lambda: ec2.delete_vpc(VpcId=vpc_id))

    # Teardown in the engine's order.
    p.call("ec2:DeleteNatGateway", lambda: ec2.delete_nat_gateway(NatGatewayId=nat_id))
    state = ec2.describe_nat_gateways(NatGatewayIds=[nat_id])["NatGateways"][0]["State"]
    p.check("ec2:DeleteNatGateway", state == "deleting", "deleting at first",
            f"'{state}' at once (AWS: deleting, then deleted after about a minute)")
    if not released:
        addr = ec2.describe_addresses(AllocationIds=[eip])["Addresses"][0]
        p.check("ec2:DeleteNatGateway", not addr.get("AssociationId"), "the Elastic IP is free again",
                "the Elastic IP is still associated after the delete")
        p.call("ec2:ReleaseAddress", lambda: ec2.release_address(AllocationId=eip))
    p.call("ec2:DetachInternetGateway", lambda: ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id))
    p.call("ec2:DeleteInternetGateway", lambda: ec2.delete_internet_gateway(InternetGatewayId=igw))
    p.call("ec2:DeleteVpcEndpoints", lambda: ec2.delete_vpc_endpoints(VpcEndpointIds=[ep_id, gw["VpcEndpointId"]]))
    left = [e for e in ec2.describe_vpc_endpoints(VpcEndpointIds=[ep_id])["VpcEndpoints"]]
    p.check("ec2:DeleteVpcEndpoints", not left or left[0]["State"].lower() in ("deleting", "deleted"),
            f"afterwards: {left[0]['State'] if left else 'gone'}", f"state {left[0]['State'] if left else ''}")
    for s in subnets + [public]:
        p.call("ec2:DeleteSubnet", lambda: ec2.delete_subnet(SubnetId=s), record=False)
    p.ok("ec2:DeleteSubnet", "empty subnets")
    # The subnets are gone, and with them (on AWS) their associations with the route table.
    try:
        ec2.delete_route_table(RouteTableId=rtb)
        p.ok("ec2:DeleteRouteTable", "once its subnets are deleted")
    except ClientError as e:
        stale = [a["RouteTableAssociationId"] for a in ec2.describe_route_tables(RouteTableIds=[rtb])
                 ["RouteTables"][0].get("Associations", []) if not a.get("Main")]
        p.differs("ec2:DeleteRouteTable", f"after its subnets were deleted: {error_code(e)}; {len(stale)} associations "
                  "of deleted subnets remain (AWS: deleting a subnet ends its association)")
        for assoc_id in stale:
            ec2.disassociate_route_table(AssociationId=assoc_id)
        p.call("ec2:DeleteRouteTable", lambda: ec2.delete_route_table(RouteTableId=rtb), record=False)
    p.call("ec2:DeleteSecurityGroup", lambda: ec2.delete_security_group(GroupId=sg), "unused group")
    p.call("ec2:DeleteVpc", lambda: ec2.delete_vpc(VpcId=vpc_id), "after its dependents")


# -- IAM ------------------------------------------------------------------------------------
TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def iam(p: Probe) -> None:
    iam = p.client("iam")
    name = p.name("role")
    p.refused("iam:CreateRole", "trust policy that is not JSON", "MalformedPolicyDocument",
              lambda: iam.create_role(RoleName=p.name("bad"), AssumeRolePolicyDocument="{not json"))
    bogus = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
             "Principal": {"AWS": "arn:aws:iam::000000000000:role/no-such-role"}}]}
    if p.refused("iam:CreateRole", "trust policy naming a role that does not exist", "MalformedPolicyDocument",
                 lambda: iam.create_role(RoleName=p.name("ghost"), AssumeRolePolicyDocument=json.dumps(bogus))):
        iam.delete_role(RoleName=p.name("ghost"))

    boundary = p.call("iam:CreatePolicy", lambda: iam.create_policy(
        PolicyName=p.name("boundary"), PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"}]})), "(permissions boundary)")["Policy"]["Arn"]
    p.call("iam:CreateRole", lambda: iam.create_role(
        RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST), Description="probe",
        PermissionsBoundary=boundary, Tags=[{"Key": "secure-mlops:component", "Value": "role"}]),
        "trust, description, tags, permissions boundary")
    role = p.call("iam:GetRole", lambda: iam.get_role(RoleName=name), record=False)["Role"]
    p.check("iam:GetRole", role.get("PermissionsBoundary", {}).get("PermissionsBoundaryArn") == boundary
            and same_json(role["AssumeRolePolicyDocument"], TRUST),
            "trust policy and permissions boundary read back", f"answer {role}")
    p.refused("iam:CreateRole", "a name that exists", "EntityAlreadyExists",
              lambda: iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST)))
    p.call("iam:UpdateAssumeRolePolicy", lambda: iam.update_assume_role_policy(
        RoleName=name, PolicyDocument=json.dumps(TRUST)))
    p.call("iam:TagRole", lambda: iam.tag_role(RoleName=name, Tags=[{"Key": "extra", "Value": "1"}]))
    tags = p.call("iam:ListRoleTags", lambda: iam.list_role_tags(RoleName=name), record=False)["Tags"]
    p.check("iam:ListRoleTags", len(tags) == 2, "both tags", f"tags {tags}")

    inline = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "sagemaker:CreateTrainingJob", "Resource": "*",
         "Condition": {"Null": {"sagemaker:VpcSubnets": "true"}}}]}
    p.call("iam:PutRolePolicy", lambda: iam.put_role_policy(
        RoleName=name, PolicyName="guardrail", PolicyDocument=json.dumps(inline)))
    got = p.call("iam:GetRolePolicy", lambda: iam.get_role_policy(RoleName=name, PolicyName="guardrail"),
                 record=False)
    p.check("iam:GetRolePolicy", same_json(got["PolicyDocument"], inline), "document read back", "document changed")
    p.call("iam:ListRolePolicies", lambda: iam.list_role_policies(RoleName=name))
    big = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::bucket-{i:04d}/*"} for i in range(300)]}
    if p.refused("iam:PutRolePolicy", f"inline policies over 10,240 characters ({len(json.dumps(big))})",
                 "LimitExceeded", lambda: iam.put_role_policy(RoleName=name, PolicyName="big",
                                                              PolicyDocument=json.dumps(big))):
        iam.delete_role_policy(RoleName=name, PolicyName="big")
    p.refused("iam:PutRolePolicy", "a policy document that is not JSON", "MalformedPolicyDocument",
              lambda: iam.put_role_policy(RoleName=name, PolicyName="bad", PolicyDocument="{"))

    doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}
    arn = p.call("iam:CreatePolicy", lambda: iam.create_policy(
        PolicyName=p.name("managed"), PolicyDocument=json.dumps(doc),
        Tags=[{"Key": "secure-mlops:component", "Value": "policy"}]), "with tags")["Policy"]["Arn"]
    pol = p.call("iam:GetPolicy", lambda: iam.get_policy(PolicyArn=arn), record=False)["Policy"]
    p.ok("iam:GetPolicy", f"DefaultVersionId {pol['DefaultVersionId']}")
    for i in range(4):
        p.call("iam:CreatePolicyVersion", lambda: iam.create_policy_version(
            PolicyArn=arn, PolicyDocument=json.dumps(doc), SetAsDefault=True), record=False)
    p.ok("iam:CreatePolicyVersion", "SetAsDefault, up to 5 versions")
    p.refused("iam:CreatePolicyVersion", "a sixth version", "LimitExceeded",
              lambda: iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(doc)))
    versions = p.call("iam:ListPolicyVersions", lambda: iam.list_policy_versions(PolicyArn=arn), record=False)["Versions"]
    p.ok("iam:ListPolicyVersions", f"{len(versions)} versions")
    default = next(v["VersionId"] for v in versions if v["IsDefaultVersion"])
    got = p.call("iam:GetPolicyVersion", lambda: iam.get_policy_version(PolicyArn=arn, VersionId=default),
                 record=False)["PolicyVersion"]
    p.check("iam:GetPolicyVersion", same_json(got["Document"], doc), "document read back", "document changed")
    p.refused("iam:DeletePolicyVersion", "the default version", "DeleteConflict",
              lambda: iam.delete_policy_version(PolicyArn=arn, VersionId=default))
    old = next(v["VersionId"] for v in versions if not v["IsDefaultVersion"])
    p.call("iam:DeletePolicyVersion", lambda: iam.delete_policy_version(PolicyArn=arn, VersionId=old))
    p.call("iam:TagPolicy", lambda: iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "extra", "Value": "1"}]))
    p.call("iam:ListPolicyTags", lambda: iam.list_policy_tags(PolicyArn=arn))

    p.call("iam:AttachRolePolicy", lambda: iam.attach_role_policy(RoleName=name, PolicyArn=arn), "customer managed")
    aws_managed = "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"
    try:
        iam.attach_role_policy(RoleName=name, PolicyArn=aws_managed)
        p.ok("iam:AttachRolePolicy", "AWS managed (AmazonSageMakerFullAccess)")
        attached_aws = True
    except ClientError as e:
        p.fails("iam:AttachRolePolicy", f"AWS managed policy: {describe(e)}")
        attached_aws = False
    listed = p.call("iam:ListAttachedRolePolicies", lambda: iam.list_attached_role_policies(RoleName=name),
                    record=False)["AttachedPolicies"]
    p.ok("iam:ListAttachedRolePolicies", f"{len(listed)} attached")
    user, grp = p.name("user"), p.name("group")
    iam.create_user(UserName=user)
    iam.create_group(GroupName=grp)
    iam.attach_user_policy(UserName=user, PolicyArn=arn)
    iam.attach_group_policy(GroupName=grp, PolicyArn=arn)
    ents = p.call("iam:ListEntitiesForPolicy", lambda: iam.list_entities_for_policy(PolicyArn=arn), record=False)
    p.check("iam:ListEntitiesForPolicy", len(ents["PolicyRoles"]) == 1 and len(ents["PolicyUsers"]) == 1
            and len(ents["PolicyGroups"]) == 1, "roles, users and groups", f"answer {ents}")
    p.refused("iam:DeletePolicy", "while attached", "DeleteConflict", lambda: iam.delete_policy(PolicyArn=arn))
    p.call("iam:DetachUserPolicy", lambda: iam.detach_user_policy(UserName=user, PolicyArn=arn))
    p.call("iam:DetachGroupPolicy", lambda: iam.detach_group_policy(GroupName=grp, PolicyArn=arn))
    iam.delete_user(UserName=user)
    iam.delete_group(GroupName=grp)
    details = p.call("iam:GetAccountAuthorizationDetails", lambda: iam.get_account_authorization_details(
        Filter=["Role", "LocalManagedPolicy"]), record=False)
    roles = [r for r in details["RoleDetailList"] if r["RoleName"] == name]
    p.check("iam:GetAccountAuthorizationDetails", len(roles) == 1 and roles[0].get("RolePolicyList")
            and roles[0].get("AttachedManagedPolicies"),
            "the role with its inline and attached policies (input for cloudsplaining)",
            f"role entry {roles}")
    profile = p.name("profile")
    iam.create_instance_profile(InstanceProfileName=profile)
    iam.add_role_to_instance_profile(InstanceProfileName=profile, RoleName=name)
    listed = p.call("iam:ListInstanceProfilesForRole", lambda: iam.list_instance_profiles_for_role(RoleName=name),
                    record=False)["InstanceProfiles"]
    p.check("iam:ListInstanceProfilesForRole", [x["InstanceProfileName"] for x in listed] == [profile],
            "the profile holding the role", f"answer {listed}")
    p.refused("iam:DeleteRole", "while in an instance profile", "DeleteConflict", lambda: iam.delete_role(RoleName=name))
    p.call("iam:RemoveRoleFromInstanceProfile", lambda: iam.remove_role_from_instance_profile(
        InstanceProfileName=profile, RoleName=name))
    iam.delete_instance_profile(InstanceProfileName=profile)
    p.refused("iam:DeleteRole", "with policies still attached", "DeleteConflict", lambda: iam.delete_role(RoleName=name))

    p.call("iam:DetachRolePolicy", lambda: iam.detach_role_policy(RoleName=name, PolicyArn=arn))
    if attached_aws:
        iam.detach_role_policy(RoleName=name, PolicyArn=aws_managed)
    p.call("iam:DeleteRolePolicy", lambda: iam.delete_role_policy(RoleName=name, PolicyName="guardrail"))
    p.call("iam:DeleteRole", lambda: iam.delete_role(RoleName=name))
    p.call("iam:DeletePolicy", lambda: iam.delete_policy(PolicyArn=arn))
    iam.delete_policy(PolicyArn=boundary)
    p.refused("iam:GetRole", "after the delete", "NoSuchEntity", lambda: iam.get_role(RoleName=name))


# -- KMS ------------------------------------------------------------------------------------
def key_policy(account: str, admin_actions: bool = True) -> dict:
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "root", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
         "Action": "kms:*" if admin_actions else "kms:Encrypt", "Resource": "*"}]}


def kms(p: Probe) -> None:
    kms = p.client("kms")
    account = p.client("sts").get_caller_identity()["Account"]
    common = dict(Description="probe", KeyUsage="ENCRYPT_DECRYPT", KeySpec="SYMMETRIC_DEFAULT",
                  Tags=[{"TagKey": "secure-mlops:component", "TagValue": "key"}])
    key = p.call("kms:CreateKey", lambda: kms.create_key(Policy=json.dumps(key_policy(account)), **common),
                 "policy, usage, spec, tags")["KeyMetadata"]
    key_id = key["KeyId"]
    try:
        locked = kms.create_key(Policy=json.dumps(key_policy(account, admin_actions=False)), **common)
        p.differs("kms:CreateKey", "a policy that locks the caller out of the key: accepted; AWS refuses "
                  "(MalformedPolicyDocumentException) unless BypassPolicyLockoutSafetyCheck")
        quietly(lambda: kms.schedule_key_deletion(KeyId=locked["KeyMetadata"]["KeyId"], PendingWindowInDays=7))
    except ClientError as e:
        p.check("kms:CreateKey", error_code(e) == "MalformedPolicyDocumentException",
                "a policy that locks the caller out: refused, as on AWS", f"lock-out policy refused with {error_code(e)}")
    meta = p.call("kms:DescribeKey", lambda: kms.describe_key(KeyId=key_id), record=False)["KeyMetadata"]
    p.check("kms:DescribeKey", meta["KeyState"] == "Enabled" and meta["KeyManager"] == "CUSTOMER",
            "Enabled, CUSTOMER", f"{meta['KeyState']}, {meta['KeyManager']}")
    got = p.call("kms:GetKeyPolicy", lambda: kms.get_key_policy(KeyId=key_id, PolicyName="default"), record=False)
    p.check("kms:GetKeyPolicy", same_json(got["Policy"], key_policy(account)), "policy read back", "policy changed")
    p.call("kms:PutKeyPolicy", lambda: kms.put_key_policy(KeyId=key_id, PolicyName="default",
                                                          Policy=json.dumps(key_policy(account))))
    if p.refused("kms:PutKeyPolicy", "a policy that is not JSON", "MalformedPolicyDocumentException",
                 lambda: kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy="{not json")):
        kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=json.dumps(key_policy(account)))
    bogus = key_policy(account)
    bogus["Statement"].append({"Sid": "ghost", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*",
                               "Principal": {"AWS": f"arn:aws:iam::{account}:role/no-such-role"}})
    if p.refused("kms:PutKeyPolicy", "a principal that does not exist", "MalformedPolicyDocumentException",
                 lambda: kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=json.dumps(bogus))):
        kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=json.dumps(key_policy(account)))
    p.call("kms:EnableKeyRotation", lambda: kms.enable_key_rotation(KeyId=key_id))
    rot = p.call("kms:GetKeyRotationStatus", lambda: kms.get_key_rotation_status(KeyId=key_id), record=False)
    p.check("kms:GetKeyRotationStatus", rot["KeyRotationEnabled"] is True, "enabled", f"answer {rot}")
    alias = "alias/" + p.name("key")
    p.call("kms:CreateAlias", lambda: kms.create_alias(AliasName=alias, TargetKeyId=key_id))
    p.refused("kms:CreateAlias", "an alias that exists", "AlreadyExistsException",
              lambda: kms.create_alias(AliasName=alias, TargetKeyId=key_id))
    p.refused("kms:CreateAlias", "a name under alias/aws/ (reserved)", None,
              lambda: kms.create_alias(AliasName="alias/aws/" + p.name("x"), TargetKeyId=key_id))
    keys = p.call("kms:ListKeys", lambda: kms.list_keys(), record=False)["Keys"]
    p.check("kms:ListKeys", any(k["KeyId"] == key_id for k in keys), "the key is listed", "key not listed")
    p.call("kms:TagResource", lambda: kms.tag_resource(KeyId=key_id, Tags=[{"TagKey": "extra", "TagValue": "1"}]))
    tags = p.call("kms:ListResourceTags", lambda: kms.list_resource_tags(KeyId=key_id), record=False)["Tags"]
    p.check("kms:ListResourceTags", len(tags) == 2, "both tags", f"tags {tags}")
    p.call("kms:EnableKey", lambda: kms.enable_key(KeyId=key_id))
    p.call("kms:DeleteAlias", lambda: kms.delete_alias(AliasName=alias))
    p.refused("kms:ScheduleKeyDeletion", "a 6-day window (7 is the least)", "ValidationException",
              lambda: kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=6))
    p.call("kms:ScheduleKeyDeletion", lambda: kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7))
    state = kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"]
    p.check("kms:ScheduleKeyDeletion", state == "PendingDeletion", "PendingDeletion", f"state {state}")


# -- S3 -------------------------------------------------------------------------------------
def s3(p: Probe) -> None:
    s3 = p.client("s3")
    kms = p.client("kms")
    account = p.client("sts").get_caller_identity()["Account"]
    key_arn = kms.create_key(Policy=json.dumps(key_policy(account)))["KeyMetadata"]["Arn"]
    bucket = p.name("bucket")
    p.call("s3:CreateBucket", lambda: s3.create_bucket(Bucket=bucket))
    p.call("s3:HeadBucket", lambda: s3.head_bucket(Bucket=bucket))
    # Defaults of a new bucket (AWS, since 2023: SSE-S3, all four public access blocks on,
    # BucketOwnerEnforced).
    try:
        enc = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
        algo = enc["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"]
        p.check("s3:GetBucketEncryption", algo == "AES256", "new bucket: SSE-S3 by default", f"new bucket: {algo}")
    except ClientError as e:
        p.differs("s3:GetBucketEncryption", f"new bucket: {error_code(e)}; AWS: SSE-S3 (AES256) by default")
    try:
        pab = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        p.check("s3:GetPublicAccessBlock", all(pab.values()), "new bucket: all four blocks on",
                f"new bucket: {pab}; AWS: all four on")
    except ClientError as e:
        p.differs("s3:GetPublicAccessBlock", f"new bucket: {error_code(e)}; AWS: all four blocks on by default")
    try:
        own = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"][0]["ObjectOwnership"]
        p.check("s3:GetBucketOwnershipControls", own == "BucketOwnerEnforced", "new bucket: BucketOwnerEnforced",
                f"new bucket: {own}")
    except ClientError as e:
        p.differs("s3:GetBucketOwnershipControls", f"new bucket: {error_code(e)}; AWS: BucketOwnerEnforced by default")

    p.call("s3:PutBucketEncryption", lambda: s3.put_bucket_encryption(
        Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": {
            "SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn}, "BucketKeyEnabled": True}]}), "SSE-KMS, bucket key")
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    p.check("s3:GetBucketEncryption", rule["ApplyServerSideEncryptionByDefault"].get("KMSMasterKeyID") == key_arn
            and rule.get("BucketKeyEnabled") is True, "key and bucket key read back", f"rule {rule}")
    p.refused("s3:PutObject", "SSE-KMS with a key that does not exist", None, lambda: s3.put_object(
        Bucket=bucket, Key="x", Body=b"x", ServerSideEncryption="aws:kms",
        SSEKMSKeyId=f"arn:aws:kms:{REGION}:{account}:key/00000000-0000-0000-0000-000000000000"))
    pab = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}
    p.call("s3:PutPublicAccessBlock", lambda: s3.put_public_access_block(
        Bucket=bucket, PublicAccessBlockConfiguration=pab))
    got = p.call("s3:GetPublicAccessBlock", lambda: s3.get_public_access_block(Bucket=bucket), record=False)
    p.check("s3:GetPublicAccessBlock", got["PublicAccessBlockConfiguration"] == pab, "read back", f"answer {got}")
    p.call("s3:PutBucketOwnershipControls", lambda: s3.put_bucket_ownership_controls(
        Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}))
    p.call("s3:GetBucketOwnershipControls", lambda: s3.get_bucket_ownership_controls(Bucket=bucket))
    p.call("s3:PutBucketVersioning", lambda: s3.put_bucket_versioning(
        Bucket=bucket, VersioningConfiguration={"Status": "Enabled"}))
    v = p.call("s3:GetBucketVersioning", lambda: s3.get_bucket_versioning(Bucket=bucket), record=False)
    p.check("s3:GetBucketVersioning", v.get("Status") == "Enabled", "Enabled", f"answer {v}")
    tagging = [{"Key": "secure-mlops:component", "Value": "bucket"}]
    p.call("s3:PutBucketTagging", lambda: s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tagging}))
    got = p.call("s3:GetBucketTagging", lambda: s3.get_bucket_tagging(Bucket=bucket), record=False)
    p.check("s3:GetBucketTagging", got["TagSet"] == tagging, "read back", f"answer {got}")

    s3.put_object(Bucket=bucket, Key="data/a.txt", Body=b"one")
    head = s3.head_object(Bucket=bucket, Key="data/a.txt")
    p.check("s3:PutObject", head.get("ServerSideEncryption") == "aws:kms" and head.get("SSEKMSKeyId") == key_arn,
            "object encrypted with the bucket's key", f"object SSE {head.get('ServerSideEncryption')} "
            f"{head.get('SSEKMSKeyId')}")

    # Policies: TLS only and a public grant (BlockPublicPolicy is on).
    tls_only = {"Version": "2012-10-17", "Statement": [
        {"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}
    public = {"Version": "2012-10-17", "Statement": [
        {"Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
         "Resource": f"arn:aws:s3:::{bucket}/*"}]}
    if p.refused("s3:PutBucketPolicy", "a public grant while BlockPublicPolicy is on", "AccessDenied",
                 lambda: s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(public))):
        s3.delete_bucket_policy(Bucket=bucket)
    p.call("s3:PutBucketPolicy", lambda: s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(tls_only)),
           "TLS-only deny")
    got = p.call("s3:GetBucketPolicy", lambda: s3.get_bucket_policy(Bucket=bucket), record=False)
    p.check("s3:GetBucketPolicy", same_json(got["Policy"], tls_only), "read back", "policy changed")
    # This client speaks plain HTTP: aws:SecureTransport is false, so AWS denies.
    p.refused("s3:PutBucketPolicy", "enforcement: a PutObject over HTTP under the TLS-only deny", "AccessDenied",
              lambda: s3.put_object(Bucket=bucket, Key="data/b.txt", Body=b"two"))
    p.call("s3:DeleteBucketPolicy", lambda: s3.delete_bucket_policy(Bucket=bucket))

    s3.put_object(Bucket=bucket, Key="data/a.txt", Body=b"one again")
    s3.delete_object(Bucket=bucket, Key="data/a.txt")
    p.refused("s3:DeleteBucket", "with object versions left", "BucketNotEmpty", lambda: s3.delete_bucket(Bucket=bucket))
    listed = p.call("s3:ListObjectVersions", lambda: s3.list_object_versions(Bucket=bucket), record=False)
    entries = listed.get("Versions", []) + listed.get("DeleteMarkers", [])
    p.ok("s3:ListObjectVersions", f"{len(listed.get('Versions', []))} versions, "
         f"{len(listed.get('DeleteMarkers', []))} delete markers")
    out = p.call("s3:DeleteObjects", lambda: s3.delete_objects(Bucket=bucket, Delete={"Objects": [
        {"Key": e["Key"], "VersionId": e["VersionId"]} for e in entries], "Quiet": True}), record=False)
    p.check("s3:DeleteObjects", not out.get("Errors"), "versions and delete markers, Quiet", f"errors {out.get('Errors')}")
    p.call("s3:DeleteBucket", lambda: s3.delete_bucket(Bucket=bucket))
    p.refused("s3:HeadBucket", "after the delete", "404", lambda: s3.head_bucket(Bucket=bucket))
    kms.schedule_key_deletion(KeyId=key_arn, PendingWindowInDays=7)


# -- CloudWatch Logs ------------------------------------------------------------------------
def logs(p: Probe) -> None:
    logs = p.client("logs")
    kms = p.client("kms")
    account = p.client("sts").get_caller_identity()["Account"]
    key_arn = kms.create_key(Policy=json.dumps(key_policy(account)))["KeyMetadata"]["Arn"]
    missing_key = f"arn:aws:kms:{REGION}:{account}:key/00000000-0000-0000-0000-000000000000"
    if p.refused("logs:CreateLogGroup", "a KMS key that does not exist", "InvalidParameterException",
                 lambda: logs.create_log_group(logGroupName="/probe/" + p.name("nokey"), kmsKeyId=missing_key)):
        logs.delete_log_group(logGroupName="/probe/" + p.name("nokey"))
    # The key policy does not let logs.<region>.amazonaws.com use the key: AWS refuses the group.
    if p.refused("logs:CreateLogGroup", "a key whose policy does not allow the Logs service", None,
                 lambda: logs.create_log_group(logGroupName="/probe/" + p.name("denied"), kmsKeyId=key_arn)):
        logs.delete_log_group(logGroupName="/probe/" + p.name("denied"))
    group = "/probe/" + p.name("logs")
    p.call("logs:CreateLogGroup", lambda: logs.create_log_group(
        logGroupName=group, kmsKeyId=key_arn, tags={"secure-mlops:component": "flow-logs"}), "with a KMS key and tags")
    try:
        logs.associate_kms_key(logGroupName=group, kmsKeyId=key_arn)
        p.ok("logs:AssociateKmsKey")
    except ClientError as e:
        p.fails("logs:AssociateKmsKey", describe(e))
    p.call("logs:PutRetentionPolicy", lambda: logs.put_retention_policy(logGroupName=group, retentionInDays=30))
    if p.refused("logs:PutRetentionPolicy", "31 days (not an allowed value)", "InvalidParameterException",
                 lambda: logs.put_retention_policy(logGroupName=group, retentionInDays=31)):
        logs.put_retention_policy(logGroupName=group, retentionInDays=30)
    found = p.call("logs:DescribeLogGroups", lambda: logs.describe_log_groups(logGroupNamePrefix=group),
                   record=False)["logGroups"]
    p.check("logs:DescribeLogGroups", len(found) == 1 and found[0].get("kmsKeyId") == key_arn
            and found[0].get("retentionInDays") == 30, "key and retention read back", f"answer {found}")
    p.refused("logs:CreateLogGroup", "a name that exists", "ResourceAlreadyExistsException",
              lambda: logs.create_log_group(logGroupName=group))
    p.call("logs:DeleteLogGroup", lambda: logs.delete_log_group(logGroupName=group))
    kms.schedule_key_deletion(KeyId=key_arn, PendingWindowInDays=7)


# -- SSM ------------------------------------------------------------------------------------
def ssm(p: Probe) -> None:
    ssm = p.client("ssm")
    path = "/probe/" + p.name("ledger")
    for i, piece in enumerate(("a" * 4096, "b")):
        p.call("ssm:PutParameter", lambda: ssm.put_parameter(
            Name=f"{path}/{i:02}", Value=piece, Type="String", Tier="Standard", Overwrite=True), record=False)
    p.ok("ssm:PutParameter", "String, Standard tier, Overwrite; 4,096 characters fit")
    ssm.put_parameter(Name=f"{path}/deeper/x", Value="x", Type="String", Overwrite=True)
    p.refused("ssm:PutParameter", "4,097 characters in the Standard tier", None, lambda: ssm.put_parameter(
        Name=f"{path}/big", Value="c" * 4097, Type="String", Tier="Standard", Overwrite=True))
    got = p.call("ssm:GetParametersByPath", lambda: ssm.get_parameters_by_path(Path=path, Recursive=False),
                 record=False)["Parameters"]
    names = sorted(x["Name"] for x in got)
    p.check("ssm:GetParametersByPath", names == [f"{path}/00", f"{path}/01"] + ([f"{path}/big"] if f"{path}/big" in names else []),
            "Recursive=false leaves out deeper levels", f"answer {names}")
    out = p.call("ssm:DeleteParameters", lambda: ssm.delete_parameters(
        Names=[f"{path}/00", f"{path}/01", f"{path}/deeper/x", f"{path}/big", f"{path}/none"]), record=False)
    p.check("ssm:DeleteParameters", f"{path}/none" in out.get("InvalidParameters", []),
            "unknown names listed in InvalidParameters", f"answer {out}")


# -- what LocalStack's free edition does not serve -------------------------------------------
def unsupported(p: Probe) -> None:
    for service, op, call in (
        ("sagemaker", "ListDomains", lambda c: c.list_domains()),
        ("sagemaker", "GetSagemakerServicecatalogPortfolioStatus",
         lambda c: c.get_sagemaker_servicecatalog_portfolio_status()),
        ("servicecatalog", "ListAcceptedPortfolioShares", lambda c: c.list_accepted_portfolio_shares()),
        ("efs", "DescribeFileSystems", lambda c: c.describe_file_systems()),
    ):
        try:
            call(p.client(service))
            p.ok(f"{service}:{op}", "served")
        except ClientError as e:
            p.fails(f"{service}:{op}", describe(e))


SCENARIOS = [sts, ec2, iam, kms, s3, logs, ssm, unsupported]


def run(endpoint: str) -> list[Row]:
    p = Probe(endpoint)
    for scenario in SCENARIOS:
        try:
            scenario(p)
        except Abort as e:
            p.rows.append(Row(f"({scenario.__name__})", "fails", f"stopped after {e}"))
        except Exception:  # noqa: BLE001 - a probe bug: show it, go on with the next scenario
            p.rows.append(Row(f"({scenario.__name__})", "fails",
                              "probe error: " + traceback.format_exc().strip().splitlines()[-1]))
    return p.rows


def print_table(rows: list[Row], markdown: bool) -> None:
    if markdown:
        print("| call | result | observation |")
        print("| --- | --- | --- |")
        for r in rows:
            print(f"| `{r.call}` | {r.result} | {r.note.replace('|', '/')} |")
    else:
        width = max(len(r.call) for r in rows)
        for r in rows:
            print(f"{r.call:<{width}}  {r.result:<7}  {r.note}")
    counts = {k: sum(r.result == k for r in rows) for k in ("ok", "differs", "fails")}
    calls = len({r.call for r in rows})
    print(f"\n{len(rows)} observations of {calls} calls: {counts['ok']} ok, {counts['differs']} differs, "
          f"{counts['fails']} fails")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint", default=os.environ.get("AWS_ENDPOINT_URL"),
                        help="a running LocalStack (default: $AWS_ENDPOINT_URL, else start one)")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args()
    port = None
    if not args.endpoint:
        env = dict(os.environ, LOCALSTACK_PORT="0")
        args.endpoint = subprocess.run([SCRIPT, "start"], env=env, check=True, stdout=subprocess.PIPE,
                                       text=True).stdout.strip()
        port = args.endpoint.rsplit(":", 1)[1]
    try:
        started = time.monotonic()
        rows = run(args.endpoint)
        elapsed = time.monotonic() - started
    finally:
        if port:
            subprocess.run([SCRIPT, "stop"], env=dict(os.environ, LOCALSTACK_PORT=port), check=False)
    if args.json:
        print(json.dumps([r.__dict__ for r in rows], indent=1))
    else:
        print_table(rows, args.markdown)
        print(f"probe took {elapsed:.1f}s against {args.endpoint}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
