"""GET /_emulator/inventory follows creates and deletes, and leaves out what nobody created."""

import json
import time

from conftest import Emulator, studio_network, wait_status

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
)


def contains(emulator: Emulator, kind: str, *ids: str) -> bool:
    inv = emulator.inventory()[kind]
    return all(i in inv for i in ids)


def lacks(emulator: Emulator, kind: str, *ids: str) -> bool:
    inv = emulator.inventory()[kind]
    return not any(i in inv for i in ids)


def test_iam(emulator: Emulator, name):
    iam = emulator.client("iam")
    role = iam.create_role(RoleName=name("role"), AssumeRolePolicyDocument=TRUST)["Role"]
    policy = iam.create_policy(
        PolicyName=name("pol"),
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}),
    )["Policy"]
    # AWS-managed policies exist (MOTO_IAM_LOAD_MANAGED_POLICIES) and can be attached...
    managed = "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"
    iam.attach_role_policy(RoleName=role["RoleName"], PolicyArn=managed)
    iam.attach_role_policy(RoleName=role["RoleName"], PolicyArn=policy["Arn"])
    # ...but are not in the inventory.
    inv = emulator.inventory()
    assert role["Arn"] in inv["iam:role"] and policy["Arn"] in inv["iam:policy"]
    assert not [p for p in inv["iam:policy"] if ":aws:policy/" in p]

    for arn in (managed, policy["Arn"]):
        iam.detach_role_policy(RoleName=role["RoleName"], PolicyArn=arn)
    iam.delete_role(RoleName=role["RoleName"])
    iam.delete_policy(PolicyArn=policy["Arn"])
    assert lacks(emulator, "iam:role", role["Arn"]) and lacks(emulator, "iam:policy", policy["Arn"])


def test_sagemaker(emulator: Emulator, name, region, fast_studio):
    emulator.set_config(sc_share_delay_seconds=0)
    sm = emulator.client("sagemaker", region)
    vpc, subnets = studio_network(emulator.client("ec2", region))
    dom = sm.create_domain(DomainName=name("inv"), AuthMode="IAM", DefaultUserSettings={}, SubnetIds=subnets, VpcId=vpc)["DomainId"]
    wait_status(lambda: sm.describe_domain(DomainId=dom), "InService")
    sm.create_user_profile(DomainId=dom, UserProfileName="u1")
    wait_status(lambda: sm.describe_user_profile(DomainId=dom, UserProfileName="u1"), "InService")
    sm.create_space(DomainId=dom, SpaceName="s1")
    app = {"DomainId": dom, "UserProfileName": "u1", "AppType": "JupyterServer", "AppName": "default"}
    sm.create_app(**app)
    sm.enable_sagemaker_servicecatalog_portfolio()
    assert contains(emulator, "sagemaker:domain", dom)
    assert contains(emulator, "sagemaker:user_profile", f"{dom}/u1")
    assert contains(emulator, "sagemaker:space", f"{dom}/s1")
    assert contains(emulator, "sagemaker:app", f"{dom}/u1/JupyterServer/default")
    assert contains(emulator, "sagemaker:servicecatalog_portfolio", f"123456789012/{region}")

    wait_status(lambda: sm.describe_app(**app), "InService")
    sm.delete_app(**app)
    wait_status(lambda: sm.describe_app(**app), "Deleted")
    assert lacks(emulator, "sagemaker:app", f"{dom}/u1/JupyterServer/default")  # still listed by ListApps, not here
    sm.delete_space(DomainId=dom, SpaceName="s1")
    sm.delete_user_profile(DomainId=dom, UserProfileName="u1")
    wait_status(lambda: sm.describe_user_profile(DomainId=dom, UserProfileName="u1"), "gone")
    sm.delete_domain(DomainId=dom)
    sm.disable_sagemaker_servicecatalog_portfolio()
    assert contains(emulator, "sagemaker:domain", dom)  # Deleting: it still exists
    wait_status(lambda: sm.describe_domain(DomainId=dom), "gone")
    assert lacks(emulator, "sagemaker:domain", dom)
    assert lacks(emulator, "sagemaker:user_profile", f"{dom}/u1")
    assert lacks(emulator, "sagemaker:space", f"{dom}/s1")
    assert lacks(emulator, "sagemaker:servicecatalog_portfolio", f"123456789012/{region}")
    emulator.set_config(sc_share_delay_seconds=1.0)


def test_sagemaker_studio_customisations(emulator: Emulator, name, region, fast_studio):
    """Lifecycle configs, images (and their versions) and app image configs are listed while they exist."""
    import base64

    from conftest import wait_for

    sm = emulator.client("sagemaker", region)
    lcc, image, config = name("lcc"), name("img"), name("aic")
    sm.create_studio_lifecycle_config(StudioLifecycleConfigName=lcc, StudioLifecycleConfigAppType="JupyterLab",
                                      StudioLifecycleConfigContent=base64.b64encode(b"echo hi").decode())
    sm.create_image(ImageName=image, RoleArn="arn:aws:iam::123456789012:role/r")
    sm.create_app_image_config(AppImageConfigName=config)
    wait_for(lambda: sm.describe_image(ImageName=image)["ImageStatus"] == "CREATED")
    sm.create_image_version(ImageName=image, BaseImage=f"123456789012.dkr.ecr.{region}.amazonaws.com/none:1")
    assert contains(emulator, "sagemaker:studio_lifecycle_config", lcc)
    assert contains(emulator, "sagemaker:image", image)
    assert contains(emulator, "sagemaker:image_version", f"{image}/1")  # CREATE_FAILED ones too
    assert contains(emulator, "sagemaker:app_image_config", config)

    sm.delete_studio_lifecycle_config(StudioLifecycleConfigName=lcc)
    sm.delete_app_image_config(AppImageConfigName=config)
    emulator.set_config(studio_delay_seconds=0.5)  # DELETING long enough to be seen (fast_studio restores it)
    sm.delete_image(ImageName=image)
    assert contains(emulator, "sagemaker:image", image)  # DELETING: it still exists
    assert lacks(emulator, "sagemaker:studio_lifecycle_config", lcc) and lacks(emulator, "sagemaker:app_image_config", config)
    wait_for(lambda: lacks(emulator, "sagemaker:image", image))
    assert lacks(emulator, "sagemaker:image_version", f"{image}/1")


def test_ec2_network(emulator: Emulator):
    region = "eu-west-3"
    ec2 = emulator.client("ec2", region)
    default_vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    default_subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"] if s["DefaultForAz"]]
    default_sgs = [g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"] if g["GroupName"] == "default"]

    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.40.1.0/24")["Subnet"]["SubnetId"]
    sg = ec2.create_security_group(GroupName="inv", Description="inv", VpcId=vpc)["GroupId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    main_rt = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "association.main", "Values": ["true"]}])["RouteTables"][0]["RouteTableId"]
    eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=eip)["NatGateway"]["NatGatewayId"]
    gw_ep = ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=f"com.amazonaws.{region}.s3", RouteTableIds=[rt])["VpcEndpoint"]["VpcEndpointId"]
    eni = ec2.create_network_interface(SubnetId=subnet, Groups=[sg])["NetworkInterface"]["NetworkInterfaceId"]
    flow = ec2.create_flow_logs(
        ResourceIds=[vpc], ResourceType="VPC", TrafficType="ALL", LogDestinationType="cloud-watch-logs",
        LogGroupName="flow", DeliverLogsPermissionArn="arn:aws:iam::123456789012:role/flow",
    )["FlowLogIds"][0]

    inv = emulator.inventory()
    assert vpc in inv["ec2:vpc"] and default_vpc not in inv["ec2:vpc"]
    assert subnet in inv["ec2:subnet"] and not set(default_subnets) & set(inv["ec2:subnet"])
    assert sg in inv["ec2:security_group"] and not set(default_sgs) & set(inv["ec2:security_group"])
    assert igw in inv["ec2:internet_gateway"]
    assert rt in inv["ec2:route_table"] and main_rt not in inv["ec2:route_table"]
    assert eip in inv["ec2:elastic_ip"]
    assert nat in inv["ec2:nat_gateway"]
    assert gw_ep in inv["ec2:vpc_endpoint"]
    assert eni in inv["ec2:network_interface"]
    assert flow in inv["ec2:flow_log"]

    # Tear down in an order AWS accepts.
    ec2.delete_flow_logs(FlowLogIds=[flow])
    ec2.delete_network_interface(NetworkInterfaceId=eni)
    ec2.delete_vpc_endpoints(VpcEndpointIds=[gw_ep])
    ec2.delete_nat_gateway(NatGatewayId=nat)
    ec2.release_address(AllocationId=eip)
    ec2.delete_route_table(RouteTableId=rt)
    ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    ec2.delete_internet_gateway(InternetGatewayId=igw)
    ec2.delete_security_group(GroupId=sg)
    ec2.delete_subnet(SubnetId=subnet)
    ec2.delete_vpc(VpcId=vpc)

    inv = emulator.inventory()
    for kind, rid in [
        ("ec2:vpc", vpc), ("ec2:subnet", subnet), ("ec2:security_group", sg), ("ec2:internet_gateway", igw),
        ("ec2:route_table", rt), ("ec2:elastic_ip", eip), ("ec2:nat_gateway", nat), ("ec2:vpc_endpoint", gw_ep),
        ("ec2:network_interface", eni), ("ec2:flow_log", flow),
    ]:
        assert rid not in inv[kind], kind


def test_kms_s3_logs_efs(emulator: Emulator, name):
    kms, s3, logs = emulator.client("kms"), emulator.client("s3"), emulator.client("logs")
    efs, ec2 = emulator.client("efs"), emulator.client("ec2")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    alias = f"alias/{name('k')}"
    kms.create_alias(AliasName=alias, TargetKeyId=key)
    # An AWS-managed key, made by moto when its alias is first used, is not listed.
    aws_key = kms.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]["KeyId"]
    bucket = name("bucket")
    s3.create_bucket(Bucket=bucket)
    group = f"/emulator/{name('lg')}"
    logs.create_log_group(logGroupName=group)
    fs = efs.create_file_system(CreationToken=name("fs"))["FileSystemId"]
    vpc = ec2.create_vpc(CidrBlock="10.41.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.41.1.0/24")["Subnet"]["SubnetId"]
    mt = efs.create_mount_target(FileSystemId=fs, SubnetId=subnet)["MountTargetId"]

    inv = emulator.inventory()
    assert key in inv["kms:key"] and aws_key not in inv["kms:key"]
    assert alias in inv["kms:alias"] and "alias/aws/s3" not in inv["kms:alias"]
    assert bucket in inv["s3:bucket"]
    assert group in inv["logs:log_group"]
    assert fs in inv["efs:file_system"] and mt in inv["efs:mount_target"]

    kms.delete_alias(AliasName=alias)
    kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
    s3.delete_bucket(Bucket=bucket)
    logs.delete_log_group(logGroupName=group)
    efs.delete_mount_target(MountTargetId=mt)
    efs.delete_file_system(FileSystemId=fs)
    deadline = time.monotonic() + 5
    while mt in emulator.inventory()["efs:mount_target"] and time.monotonic() < deadline:
        time.sleep(0.1)
    for eni in ec2.describe_network_interfaces(Filters=[{"Name": "subnet-id", "Values": [subnet]}])["NetworkInterfaces"]:
        ec2.delete_network_interface(NetworkInterfaceId=eni["NetworkInterfaceId"])
    ec2.delete_subnet(SubnetId=subnet)
    ec2.delete_vpc(VpcId=vpc)

    inv = emulator.inventory()
    assert key not in inv["kms:key"] and alias not in inv["kms:alias"]
    assert bucket not in inv["s3:bucket"] and group not in inv["logs:log_group"]
    assert fs not in inv["efs:file_system"] and mt not in inv["efs:mount_target"]
    assert vpc not in inv["ec2:vpc"]


def test_cloudformation_stacks(emulator: Emulator, name, region):
    cfn = emulator.client("cloudformation", region)

    def settled(stack: str) -> dict:
        deadline = time.monotonic() + 10
        while True:
            found = cfn.describe_stacks(StackName=stack)["Stacks"][0]
            if not found["StackStatus"].endswith("_IN_PROGRESS") or time.monotonic() > deadline:
                return found
            time.sleep(0.02)

    good, bad = name("inv-stack"), name("inv-failed")
    cfn.create_stack(StackName=good, TemplateBody=json.dumps({"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}}))
    cfn.create_stack(StackName=bad, TemplateBody=json.dumps(
        {"Resources": {"Notebook": {"Type": "AWS::SageMaker::NotebookInstance", "Properties": {"InstanceType": "ml.t3.medium"}}}}))
    good_id, bad_id = settled(good)["StackId"], settled(bad)["StackId"]
    assert settled(bad)["StackStatus"] == "ROLLBACK_COMPLETE"
    assert contains(emulator, "cloudformation:stack", good_id, bad_id)  # a failed stack until it is deleted
    for stack in (good, bad):
        cfn.delete_stack(StackName=stack)
    deadline = time.monotonic() + 10
    while not lacks(emulator, "cloudformation:stack", good_id, bad_id) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert lacks(emulator, "cloudformation:stack", good_id, bad_id)
