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

Exit 0 when both hold, 1 otherwise, with one line per problem.
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dir", required=True, help="the dump_policies output")
    parser.add_argument("--env", default="team-a-dev")
    args = parser.parse_args()
    with open(os.path.join(args.dir, args.env, "roles", "sc_launch.permissions.json")) as f:
        role = json.load(f)
    boundary_path = os.path.join(args.dir, args.env, "boundary.json")
    with open(boundary_path) as f:
        boundary = json.load(f)
    if len(TEMPLATES) < 2:
        print("no team product templates under cfn/products/team/")
        return 1
    needed: dict[str, set[str]] = {}
    for path in TEMPLATES:
        template = cfn_yaml.load(path)
        for name, resource in template["Resources"].items():
            for permission in handler_permissions(resource["Type"]):
                needed.setdefault(permission, set()).add(f"{os.path.basename(path)}:{resource['Type']}")
    problems = []
    for permission, users in sorted(needed.items()):
        if not allows([role], permission):
            problems.append(f"{permission}: needed by {', '.join(sorted(users))}, not allowed by sc_launch")
        elif not allows([boundary], permission):
            problems.append(f"{permission}: needed by {', '.join(sorted(users))}, outside the permissions boundary")
    team_statements = [s for s in role["Statement"] if s.get("Sid") in TEAM_SIDS]
    missing_sids = TEAM_SIDS - {s.get("Sid") for s in team_statements}
    if missing_sids:
        problems.append(f"sc_launch has no statement {sorted(missing_sids)}")
    for s in team_statements:
        for action in actions(s):
            if not any(fnmatch.fnmatchcase(n.lower(), action.lower()) for n in needed):
                problems.append(f"{s['Sid']}: {action} is allowed but no handler of the team templates needs it")
    for line in problems:
        print(line)
    print(f"launch role: {len(needed)} handler permissions of {len(TEMPLATES)} templates, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
