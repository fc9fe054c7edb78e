"""VPC endpoint services as AWS offers them: filters, zones per service, unknown names."""

import pytest
from botocore.exceptions import ClientError

REGION = "us-east-1"


@pytest.fixture
def ec2(emulator):
    return emulator.client("ec2", REGION)


def services(ec2, **kw):
    details, token = [], None
    while True:
        page = ec2.describe_vpc_endpoint_services(**kw, **({"NextToken": token} if token else {}))
        details += page["ServiceDetails"]
        token = page.get("NextToken")
        if not token:
            return {d["ServiceName"]: d["AvailabilityZones"] for d in details}


def test_a_service_name_filter_answers_only_those_services(ec2):
    names = [f"com.amazonaws.{REGION}.sts", f"com.amazonaws.{REGION}.kms", f"com.amazonaws.{REGION}.nope"]
    found = services(ec2, Filters=[{"Name": "service-name", "Values": names}])
    assert sorted(found) == sorted(names[:2])


def test_every_zone_offers_the_default_services_but_bedrock_runtime_misses_zone_c(ec2):
    found = services(ec2)
    zones = found[f"com.amazonaws.{REGION}.sts"]
    assert f"{REGION}a" in zones and f"{REGION}c" in zones
    for name in ["sagemaker.api", "sagemaker.runtime", "logs", "kms", "ssm", "ecr.dkr", "codeartifact.api"]:
        assert found[f"com.amazonaws.{REGION}.{name}"] == zones, name
    assert found[f"aws.sagemaker.{REGION}.studio"] == zones
    bedrock = found[f"com.amazonaws.{REGION}.bedrock-runtime"]
    assert f"{REGION}c" not in bedrock and f"{REGION}a" in bedrock


def test_unknown_service_names_are_refused_as_aws_does(ec2):
    with pytest.raises(ClientError) as exc:
        ec2.describe_vpc_endpoint_services(ServiceNames=[f"com.amazonaws.{REGION}.nope"])
    assert exc.value.response["Error"]["Code"] == "InvalidServiceName"
    vpc_id = ec2.create_vpc(CidrBlock="10.60.0.0/16")["Vpc"]["VpcId"]
    with pytest.raises(ClientError) as exc:
        ec2.create_vpc_endpoint(VpcId=vpc_id, ServiceName=f"com.amazonaws.{REGION}.nope", VpcEndpointType="Interface")
    err = exc.value.response["Error"]
    assert err["Code"] == "InvalidServiceName" and "nope" in err["Message"]


def test_an_interface_endpoint_in_a_zone_the_service_skips_is_refused(ec2):
    vpc_id = ec2.create_vpc(CidrBlock="10.61.0.0/16")["Vpc"]["VpcId"]
    in_a = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.61.0.0/24", AvailabilityZone=f"{REGION}a")["Subnet"]["SubnetId"]
    in_c = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.61.1.0/24", AvailabilityZone=f"{REGION}c")["Subnet"]["SubnetId"]
    name = f"com.amazonaws.{REGION}.bedrock-runtime"
    with pytest.raises(ClientError) as exc:
        ec2.create_vpc_endpoint(VpcId=vpc_id, ServiceName=name, VpcEndpointType="Interface", SubnetIds=[in_a, in_c])
    err = exc.value.response["Error"]
    assert err["Code"] == "InvalidParameter" and in_c in err["Message"]
    ok = ec2.create_vpc_endpoint(VpcId=vpc_id, ServiceName=name, VpcEndpointType="Interface", SubnetIds=[in_a])
    assert ok["VpcEndpoint"]["VpcEndpointId"].startswith("vpce-")


# What the environments use (and their neighbours): offered in every zone of the region.
EVERYWHERE = (
    "codebuild codecommit codepipeline ecr.api ecr.dkr git-codecommit kms logs monitoring "
    "sagemaker.api sagemaker.featurestore-runtime sagemaker.runtime servicecatalog ssm sts s3 "
    "codeartifact.api codeartifact.repositories ssmmessages ec2 ecs elasticfilesystem secretsmanager "
    "sns sqs events lambda states glue athena"
).split()


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1"])
def test_every_service_the_environments_use_is_in_every_zone(emulator, region):
    ec2 = emulator.client("ec2", region)
    zones = sorted(z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"])
    assert len(zones) >= 3
    details, token = [], None
    while True:
        page = ec2.describe_vpc_endpoint_services(MaxResults=40, **({"NextToken": token} if token else {}))
        details += page["ServiceDetails"]
        token = page.get("NextToken")
        if not token:
            break
    by_name: dict[str, list[dict]] = {}
    for d in details:
        by_name.setdefault(d["ServiceName"], []).append(d)
    names = [f"com.amazonaws.{region}.{s}" for s in EVERYWHERE] + [f"aws.sagemaker.{region}.{s}" for s in ("notebook", "studio")]
    for name in names:
        assert name in by_name, name
        for d in by_name[name]:
            assert sorted(d["AvailabilityZones"]) == zones, name
    assert sorted(t["ServiceType"][0]["ServiceType"] for t in by_name[f"com.amazonaws.{region}.s3"]) == ["Gateway", "Interface"]
    bedrock = by_name[f"com.amazonaws.{region}.bedrock-runtime"][0]["AvailabilityZones"]
    assert sorted(bedrock) == [z for z in zones if z != f"{region}c"]


def test_service_names_parameter_answers_those_and_refuses_unknown_ones(ec2):
    found = ec2.describe_vpc_endpoint_services(ServiceNames=[f"com.amazonaws.{REGION}.bedrock-runtime"])
    assert [d["ServiceName"] for d in found["ServiceDetails"]] == [f"com.amazonaws.{REGION}.bedrock-runtime"]
    assert f"{REGION}c" not in found["ServiceDetails"][0]["AvailabilityZones"]
    unknown = f"com.amazonaws.{REGION}.no-such-service"
    with pytest.raises(ClientError) as exc:
        ec2.describe_vpc_endpoint_services(ServiceNames=[f"com.amazonaws.{REGION}.sts", unknown])
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert exc.value.response["Error"]["Code"] == "InvalidServiceName"
    assert unknown in exc.value.response["Error"]["Message"]
