"""IAM answers moto gets wrong at scale: ListEntitiesForPolicy past the hundredth role."""

import json

import pytest

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
)
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]})


@pytest.fixture
def iam(emulator):
    return emulator.client("iam")


def test_list_entities_for_policy_sees_roles_past_the_first_hundred(iam, name):
    name = name("iam")
    arn = iam.create_policy(PolicyName=f"{name}-p", PolicyDocument=POLICY)["Policy"]["Arn"]
    roles = [f"{name}-r{i:03}" for i in range(120)]
    for role in roles:
        iam.create_role(RoleName=role, AssumeRolePolicyDocument=TRUST)
    attached = roles[:110]  # moto sorts roles by random id: attach most, so some are past its first page
    for role in attached:
        iam.attach_role_policy(RoleName=role, PolicyArn=arn)

    def seen(**filters):
        pages = iam.get_paginator("list_entities_for_policy").paginate(PolicyArn=arn, **filters)
        return sorted(r["RoleName"] for page in pages for r in page["PolicyRoles"])

    assert seen() == attached
    assert seen(EntityFilter="Role") == attached
    assert iam.list_entities_for_policy(PolicyArn=arn, EntityFilter="User")["PolicyRoles"] == []


def test_list_entities_for_policy_pages_over_what_matched(iam, name):
    name = name("iam")
    arn = iam.create_policy(PolicyName=f"{name}-p", PolicyDocument=POLICY)["Policy"]["Arn"]
    roles = [f"{name}-r{i}" for i in range(5)]
    for role in roles:
        iam.create_role(RoleName=role, AssumeRolePolicyDocument=TRUST)
        iam.attach_role_policy(RoleName=role, PolicyArn=arn)

    first = iam.list_entities_for_policy(PolicyArn=arn, MaxItems=2)
    assert first["IsTruncated"] is True and len(first["PolicyRoles"]) == 2
    rest = iam.list_entities_for_policy(PolicyArn=arn, MaxItems=10, Marker=first["Marker"])
    assert rest["IsTruncated"] is False
    assert sorted(r["RoleName"] for r in first["PolicyRoles"] + rest["PolicyRoles"]) == roles


def test_roles_keep_their_path_and_permissions_boundary(iam, name):
    """The engine reads both back from GetRole to decide whether a role must be made again."""
    name = name("iam")
    boundary = iam.create_policy(PolicyName=f"{name}-boundary", Path="/secure-mlops/", PolicyDocument=POLICY)
    boundary_arn = boundary["Policy"]["Arn"]
    assert boundary_arn.endswith(f":policy/secure-mlops/{name}-boundary")
    created = iam.create_role(
        RoleName=f"{name}-bounded", Path="/secure-mlops/", PermissionsBoundary=boundary_arn,
        AssumeRolePolicyDocument=TRUST,
    )["Role"]
    assert created["Arn"].endswith(f":role/secure-mlops/{name}-bounded")
    role = iam.get_role(RoleName=f"{name}-bounded")["Role"]
    assert role["Path"] == "/secure-mlops/"
    assert role["Arn"] == created["Arn"]
    assert role["PermissionsBoundary"] == {
        "PermissionsBoundaryType": "PermissionsBoundaryPolicy", "PermissionsBoundaryArn": boundary_arn,
    }
    plain = iam.create_role(RoleName=f"{name}-plain", AssumeRolePolicyDocument=TRUST)["Role"]
    got = iam.get_role(RoleName=f"{name}-plain")["Role"]
    assert got["Path"] == "/" and "PermissionsBoundary" not in got
    assert plain["Arn"].endswith(f":role/{name}-plain")
