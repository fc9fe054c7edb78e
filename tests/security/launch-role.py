"""The team products' launch role may do exactly what their templates need.

    scripts/cfn-lint python tests/security/launch-role.py --dir build/security/engine-policies

Service Catalog launches the products of the team portfolio (cfn/products/team/*.yaml) as the
environment's sc_launch role, and CloudFormation then calls AWS as that role. What each resource
type's handlers call is published in the CloudFormation registry schemas (`handlers.create/read/
update/delete.permissions`), which cfn-lint ships. This check reads those lists for every
resource type of the templates and the sc_launch documents `core/examples/dump_policies.rs`
wrote, and fails when:

* a permission a handler needs is not allowed by the role's permissions, or not within the
  permissions boundary (the launch would fail half way, leaving a stack to roll back);
* the role's statements for the team products (their Sids below) allow an action no handler of
  these templates needs (more than the products need).

The same for the MLOps project templates (cfn/mlops/*.yaml) and their launch role
(mlops-launch), with what CodeBuild's projects call (they have no handler list), and without the
handler permissions for properties the templates never set (MLOPS_NOT_USED, each with what it
serves: granting one is a problem too).

The same again for the MLOps deploy role (mlops-deploy), which CloudFormation deploys the
model-deploy projects' endpoints as: the handler lists of the seed code's endpoint template
(mlops/seed-code/deploy/endpoint.yaml) against its statements (DEPLOY_SIDS), with the grant
SageMaker asks for on the keys as the caller.

Exit 0 when all hold, 1 otherwise, with one line per problem.
"""

from __future__ import annotations

import argparse
import fnmatch
import glob
import json
import os
import sys

from cfnlint.decode import cfn_yaml
import cfnlint.data.schemas

SCHEMAS = os.path.dirname(cfnlint.data.schemas.__file__)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TEMPLATES = sorted(glob.glob(os.path.join(ROOT, "cfn", "products", "team", "*.yaml")))
# The launch role's statements written for the team products (core/src/policy/environment/roles.rs).
TEAM_SIDS = {
    "LaunchTeamNotebookInstances",
    "ChangeTeamNotebookInstances",
    "ManageNotebookLifecycleConfigs",
    "LaunchTeamUserProfiles",
    "ChangeTeamUserProfiles",
    "ReadIdentityCenterUsers",
    "DescribeStudioImages",
    "PassPeopleRolesToStudioProfiles",
}
HANDLERS = ("create", "read", "update", "delete")


def handler_permissions(resource_type: str) -> set[str]:
    with open(os.path.join(SCHEMAS, "providers", "us-east-1.json")) as f:
        index = json.load(f)
    with open(os.path.join(SCHEMAS, "resources", index[resource_type] + ".json")) as f:
        schema = json.load(f)
    needed: set[str] = set()
    for handler in HANDLERS:
        needed |= set(schema.get("handlers", {}).get(handler, {}).get("permissions", []))
    return needed


def actions(statement: dict) -> list[str]:
    action = statement.get("Action", [])
    return [action] if isinstance(action, str) else list(action)


def allows(documents: list[dict], action: str) -> bool:
    return any(
        s.get("Effect") == "Allow" and any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in actions(s))
        for doc in documents
        for s in doc["Statement"]
    )


# The MLOps project templates' launch role (mlops-launch, cfn/mlops/*.yaml): its statements for the
# templates' resources (core/src/policy/environment/mlops.rs LAUNCH_TEMPLATE_SIDS).
MLOPS_TEMPLATES = sorted(glob.glob(os.path.join(ROOT, "cfn", "mlops", "*.yaml")))
MLOPS_SIDS = {
    "ManageProjectModelPackageGroups",
    "ManageProjectLogGroups",
    "DescribeLogGroups",
    "ManageProjectBuilds",
    "DescribeVpcForProjectBuilds",
    "ManageProjectPipelines",
    "PassBuildRole",
    "GetBuildRole",
    "ManageProjectRules",
    "PassEventsRole",
    "PassSourceConnection",
    "PassSourceConnectionFormerName",
}
# AWS::CodeBuild::Project has no registry schema with handlers (a resource type CloudFormation
# runs itself): what its create, read, update and delete call, and what CodeBuild checks of a
# VpcConfig and a service role as the caller.
MLOPS_EXTRA = {
    "AWS::CodeBuild::Project": {
        "codebuild:BatchGetProjects", "codebuild:CreateProject", "codebuild:DeleteProject",
        "codebuild:UpdateProject", "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets",
        "ec2:DescribeVpcs", "iam:PassRole",
    },
    # The connection's current service name: the handler list names the former one.
    "AWS::CodePipeline::Pipeline": {"codeconnections:PassConnection"},
}
# Handler permissions for properties the MLOps templates do not set: not granted, on purpose.
MLOPS_NOT_USED = {
    "logs:PutBearerTokenAuthentication": "bearer-token authentication of a log group",
    "logs:PutLogGroupDeletionProtection": "DeletionProtectionEnabled",
    "logs:CreateLogDelivery": "log delivery (account-level)",
    "logs:DeleteIndexPolicy": "field index policies (account-level)",
    "logs:DescribeIndexPolicies": "field index policies (account-level)",
    "logs:PutIndexPolicy": "field index policies (account-level)",
    "logs:DeleteResourcePolicy": "resource policies (account-level)",
    "logs:PutResourcePolicy": "resource policies (account-level)",
    "firehose:TagDeliveryStream": "delivery to Firehose",
    "s3:REST.PUT.OBJECT": "delivery to S3",
}


# The MLOps deploy role (mlops-deploy) and the endpoint template it deploys
# (core/src/policy/environment/mlops.rs DEPLOY_SIDS).
DEPLOY_TEMPLATES = [os.path.join(ROOT, "mlops", "seed-code", "deploy", "endpoint.yaml")]
DEPLOY_SIDS = {
    "ManageProjectEndpoints",
    "PassExecutionRoleToEndpoints",
    "KeyGrantsForEndpoints",
    "DescribeEndpointKeys",
}
# SageMaker makes grants on an endpoint configuration's key as the caller (the volume's key).
DEPLOY_EXTRA = {"AWS::SageMaker::EndpointConfig": {"kms:CreateGrant"}}


def check(role_name: str, role: dict, boundary: dict, templates: list[str], sids: set[str],
          extra: dict[str, set[str]], not_used: dict[str, str]) -> tuple[int, list[str]]:
    """The handler permissions of `templates` against the role; (how many, problems)."""
    needed: dict[str, set[str]] = {}
    for path in templates:
        template = cfn_yaml.load(path)
        for name, resource in template["Resources"].items():
            rtype = resource["Type"]
            for permission in handler_permissions(rtype) | extra.get(rtype, set()):
                needed.setdefault(permission, set()).add(f"{os.path.basename(path)}:{rtype}")
    problems = []
    for permission, users in sorted(needed.items()):
        if permission in not_used:
            if allows([role], permission):
                problems.append(f"{permission}: for {not_used[permission]}, which the templates do not use, yet {role_name} allows it")
            continue
        if not allows([role], permission):
            problems.append(f"{permission}: needed by {', '.join(sorted(users))}, not allowed by {role_name}")
        elif not allows([boundary], permission):
            problems.append(f"{permission}: needed by {', '.join(sorted(users))}, outside the permissions boundary")
    statements = [s for s in role["Statement"] if s.get("Sid") in sids]
    missing_sids = sids - {s.get("Sid") for s in statements}
    if missing_sids:
        problems.append(f"{role_name} has no statement {sorted(missing_sids)}")
    for s in statements:
        for action in actions(s):
            if not any(fnmatch.fnmatchcase(n.lower(), action.lower()) for n in needed if n not in not_used):
                problems.append(f"{s['Sid']}: {action} is allowed but no handler of the templates needs it")
    return len(needed), problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dir", required=True, help="the dump_policies output")
    parser.add_argument("--env", default="team-a-dev")
    args = parser.parse_args()
    roles = os.path.join(args.dir, args.env, "roles")
    with open(os.path.join(args.dir, args.env, "boundary.json")) as f:
        boundary = json.load(f)
    if len(TEMPLATES) < 2 or not MLOPS_TEMPLATES:
        print("no team product templates under cfn/products/team/ or MLOps templates under cfn/mlops/")
        return 1
    problems = []
    for role_name, file, templates, sids, extra, not_used in [
        ("sc_launch", "sc_launch.permissions.json", TEMPLATES, TEAM_SIDS, {}, {}),
        ("mlops-launch", "mlops-launch.permissions.json", MLOPS_TEMPLATES, MLOPS_SIDS, MLOPS_EXTRA, MLOPS_NOT_USED),
        ("mlops-deploy", "mlops-deploy.permissions.json", DEPLOY_TEMPLATES, DEPLOY_SIDS, DEPLOY_EXTRA, {}),
    ]:
        with open(os.path.join(roles, file)) as f:
            role = json.load(f)
        count, found = check(role_name, role, boundary, templates, sids, extra, not_used)
        problems.extend(found)
        print(f"{role_name}: {count} handler permissions of {len(templates)} templates, {len(found)} problem(s)")
    for line in problems:
        print(line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
