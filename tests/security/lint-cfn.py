"""parliament on every IAM policy document in cfn/ (and the example deployer policy).

    scripts/security-tools python tests/security/lint-cfn.py [--all] [--json]

What is linted:

* every inline policy of every `AWS::IAM::Role` (`Policies[].PolicyDocument`), each on its own,
  and each role's inline policies merged into one document for the privilege-escalation auditor
  (an escalation may need actions from two policies);
* every `AWS::IAM::ManagedPolicy` (`PolicyDocument`);
* every resource policy: `AWS::KMS::Key` `KeyPolicy`, `AWS::SQS::QueuePolicy` `PolicyDocument`.
  In a key policy `"Resource": "*"` means the key itself, so it is replaced by the key's ARN
  before linting (parliament reads every document as an identity policy);
* `examples/iam/*.json`, the deployer policies for Terraform users.

The templates' intrinsics are replaced by plausible values before linting: `AWS::Partition` aws,
`AWS::Region` us-east-1, `AWS::AccountId` 123456789012, each parameter its default or the sample
value in SAMPLE_PARAMETERS (which turns every optional pattern on, the widest case), `!GetAtt X.Arn`
and `!Ref X` the ARN or name the resource type would have, `!ImportValue` the function's ARN.
Conditions are evaluated on those values.

Trust policies (`AssumeRolePolicyDocument`) are not linted: parliament lints identity and
resource policies, and reads a trust policy's missing `Resource` as malformed.
tests/packaging/test_cfn_templates.py checks the trust policies instead.

parliament runs with its community auditors (privilege escalation, permissions management,
credentials exposure, sensitive access) at its CLI's default minimum severity (LOW). A finding
kept on purpose is listed, with its reason, in tests/security/accepted-cfn-findings.yaml; the
run fails on any other finding, and on an accepted entry that no longer matches a finding (so
the list cannot rot). `--all` prints the accepted findings too; `--json` prints one JSON object.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import sys
from dataclasses import dataclass, field

import yaml

import parliament
from parliament import analyze_policy_string, enhance_finding, override_config
from parliament.cli import is_finding_filtered

# The community auditors' findings are defined in their own config, as the CLI loads it.
override_config(os.path.join(os.path.dirname(parliament.__file__), "community_auditors", "config_override.yaml"))

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ACCEPTED = os.path.join(os.path.dirname(__file__), "accepted-cfn-findings.yaml")
MINIMUM_SEVERITY = "LOW"

PARTITION, REGION, ACCOUNT = "aws", "us-east-1", "123456789012"
PSEUDO = {
    "AWS::Partition": PARTITION,
    "AWS::Region": REGION,
    "AWS::AccountId": ACCOUNT,
    "AWS::StackName": "secure-mlops-custom-resource",
    "AWS::StackId": f"arn:{PARTITION}:cloudformation:{REGION}:{ACCOUNT}:stack/secure-mlops-custom-resource/0",
    "AWS::URLSuffix": "amazonaws.com",
}
# Parameters without a default, or whose default turns an optional statement off.
SAMPLE_PARAMETERS = {
    "CodeBucket": "acme-artifacts",
    "ExtraBucketNamePattern": "acme-ds-*",
    "ExistingRoleNamePattern": "ds-*",
    "DataScienceAdministratorRoleArn": f"arn:{PARTITION}:iam::{ACCOUNT}:role/ds-admins",
    "EnvironmentProductTemplateUrl": "https://acme-artifacts.s3.amazonaws.com/secure-ds-environment.yaml",
    "ProjectsEnablementProductTemplateUrl": "https://acme-artifacts.s3.amazonaws.com/projects-enablement.yaml",
    "MlopsProjectTemplatesProductTemplateUrl": "https://acme-artifacts.s3.amazonaws.com/mlops-project-templates.yaml",
}
IMPORTED_FUNCTION_ARN = f"arn:{PARTITION}:lambda:{REGION}:{ACCOUNT}:function:secure-mlops-custom-resource"


class NoValue:
    """`AWS::NoValue`: the element is left out."""


NO_VALUE = NoValue()


# -- reading the templates: CloudFormation's short tags become their long forms --------------

class CfnLoader(yaml.SafeLoader):
    pass


def _tag(name: str):
    def construct(loader: yaml.Loader, node: yaml.Node):
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
            if name == "Fn::GetAtt" and isinstance(value, str):
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {name: value}

    return construct


for _short, _long in {
    "!Ref": "Ref", "!Sub": "Fn::Sub", "!GetAtt": "Fn::GetAtt", "!If": "Fn::If",
    "!Not": "Fn::Not", "!Equals": "Fn::Equals", "!And": "Fn::And", "!Or": "Fn::Or",
    "!Join": "Fn::Join", "!Select": "Fn::Select", "!Split": "Fn::Split",
    "!ImportValue": "Fn::ImportValue", "!Condition": "Condition", "!FindInMap": "Fn::FindInMap",
    "!Base64": "Fn::Base64", "!GetAZs": "Fn::GetAZs",
}.items():
    CfnLoader.add_constructor(_short, _tag(_long))


def load_template(path: str) -> dict:
    with open(path) as f:
        return yaml.load(f, Loader=CfnLoader)  # noqa: S506 (SafeLoader subclass)


# -- resolving intrinsics to plausible values -------------------------------------------------

@dataclass
class Resolver:
    template: dict
    parameters: dict = field(default_factory=dict)
    conditions: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, p in (self.template.get("Parameters") or {}).items():
            value = SAMPLE_PARAMETERS.get(name, p.get("Default", ""))
            self.parameters[name] = str(value) if not isinstance(value, list) else value
        for name in self.template.get("Conditions") or {}:
            self.conditions[name] = self.condition(name)

    def condition(self, name: str) -> bool:
        if name not in self.conditions:
            self.conditions[name] = bool(self.resolve(self.template["Conditions"][name]))
        return self.conditions[name]

    def resource_name(self, logical_id: str) -> str:
        r = self.template["Resources"][logical_id]
        props = r.get("Properties") or {}
        for key in ("RoleName", "ManagedPolicyName", "QueueName", "FunctionName", "LogGroupName", "AliasName"):
            if key in props:
                return str(self.resolve(props[key]))
        return logical_id

    def ref(self, name: str):
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in PSEUDO:
            return PSEUDO[name]
        if name in self.parameters:
            return self.parameters[name]
        r = self.template["Resources"][name]
        kind, n = r["Type"], self.resource_name(name)
        if kind == "AWS::IAM::ManagedPolicy":
            return self.arn(name)
        if kind == "AWS::SQS::Queue":
            return f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{n}"
        if kind == "AWS::KMS::Key":
            return "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
        return n

    def arn(self, logical_id: str) -> str:
        r = self.template["Resources"][logical_id]
        kind, n = r["Type"], self.resource_name(logical_id)
        path = str(self.resolve((r.get("Properties") or {}).get("Path", "/")))
        return {
            "AWS::IAM::Role": f"arn:{PARTITION}:iam::{ACCOUNT}:role{path}{n}",
            "AWS::IAM::ManagedPolicy": f"arn:{PARTITION}:iam::{ACCOUNT}:policy{path}{n}",
            "AWS::SQS::Queue": f"arn:{PARTITION}:sqs:{REGION}:{ACCOUNT}:{n}",
            "AWS::KMS::Key": f"arn:{PARTITION}:kms:{REGION}:{ACCOUNT}:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
            "AWS::Logs::LogGroup": f"arn:{PARTITION}:logs:{REGION}:{ACCOUNT}:log-group:{n}:*",
            "AWS::Lambda::Function": f"arn:{PARTITION}:lambda:{REGION}:{ACCOUNT}:function:{n}",
            "AWS::ServiceCatalog::Portfolio": f"arn:{PARTITION}:catalog:{REGION}:{ACCOUNT}:portfolio/port-sample",
        }.get(kind, f"arn:{PARTITION}:cloudformation:{REGION}:{ACCOUNT}:resource/{logical_id}")

    def get_att(self, logical_id: str, attribute: str):
        if attribute == "Arn":
            return self.arn(logical_id)
        if attribute == "RoleId":
            return "AROASAMPLEROLEID000000"
        return f"{logical_id}.{attribute}"

    def sub(self, text: str, variables: dict) -> str:
        def one(m: re.Match) -> str:
            name = m.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(self.resolve(variables[name]))
            if "." in name and name.split(".")[0] in self.template["Resources"]:
                return str(self.get_att(*name.split(".", 1)))
            return str(self.ref(name))

        return re.sub(r"\$\{([^}]+)\}", one, text)

    def resolve(self, value):
        if isinstance(value, list):
            out = [self.resolve(v) for v in value]
            return [v for v in out if v is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Fn::Sub":
                if isinstance(arg, list):
                    return self.sub(arg[0], arg[1])
                return self.sub(arg, {})
            if key == "Fn::GetAtt":
                return self.get_att(*(arg if isinstance(arg, list) else arg.split(".", 1)))
            if key == "Fn::If":
                return self.resolve(arg[1] if self.condition(arg[0]) else arg[2])
            if key == "Fn::Not":
                return not self.resolve(arg[0])
            if key == "Fn::Equals":
                return str(self.resolve(arg[0])) == str(self.resolve(arg[1]))
            if key == "Fn::And":
                return all(self.resolve(a) for a in arg)
            if key == "Fn::Or":
                return any(self.resolve(a) for a in arg)
            if key == "Condition":
                return self.condition(arg)
            if key == "Fn::Join":
                return arg[0].join(str(v) for v in self.resolve(arg[1]))
            if key == "Fn::ImportValue":
                return IMPORTED_FUNCTION_ARN
        out = {k: self.resolve(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v is not NO_VALUE}


# -- the documents ----------------------------------------------------------------------------

@dataclass
class Document:
    source: str     # cfn/custom-resource.yaml, examples/iam/deployer-policy.json
    resource: str   # logical id, or the file name
    policy: str     # inline policy name, trust, key-policy, queue-policy, managed, merged
    document: dict
    only: tuple[str, ...] = ()  # when set, only these issues are kept


def template_documents(path: str) -> list[Document]:
    template = load_template(path)
    r = Resolver(template)
    source = os.path.relpath(path, ROOT)
    docs = []
    for logical_id, resource in (template.get("Resources") or {}).items():
        if "Condition" in resource and not r.condition(resource["Condition"]):
            continue
        kind, props = resource["Type"], resource.get("Properties") or {}
        if kind == "AWS::IAM::Role":
            merged = []
            for policy in props.get("Policies") or []:
                doc = r.resolve(policy["PolicyDocument"])
                docs.append(Document(source, logical_id, str(r.resolve(policy["PolicyName"])), doc))
                merged.extend(doc["Statement"])
            if len(props.get("Policies") or []) > 1:
                docs.append(Document(
                    source, logical_id, "merged",
                    {"Version": "2012-10-17", "Statement": merged},
                    only=("PRIVILEGE_ESCALATION",),
                ))
        elif kind == "AWS::IAM::ManagedPolicy":
            docs.append(Document(source, logical_id, "managed", r.resolve(props["PolicyDocument"])))
        elif kind == "AWS::KMS::Key":
            docs.append(Document(source, logical_id, "key-policy", this_resource(r.resolve(props["KeyPolicy"]), r.arn(logical_id))))
        elif kind == "AWS::SQS::QueuePolicy":
            docs.append(Document(source, logical_id, "queue-policy", r.resolve(props["PolicyDocument"])))
    return docs


def this_resource(document: dict, arn: str) -> dict:
    """A key policy with `"Resource": "*"` (the key itself) spelled as the key's ARN."""
    statements = document["Statement"]
    for s in statements if isinstance(statements, list) else [statements]:
        if s.get("Resource") == "*":
            s["Resource"] = arn
    return document


def all_documents() -> list[Document]:
    docs = []
    for path in sorted(glob.glob(os.path.join(ROOT, "cfn", "**", "*.yaml"), recursive=True)):
        docs.extend(template_documents(path))
    for path in sorted(glob.glob(os.path.join(ROOT, "examples", "iam", "*.json"))):
        with open(path) as f:
            docs.append(Document(os.path.relpath(path, ROOT), os.path.basename(path), "policy", json.load(f)))
    return docs


# -- running parliament -----------------------------------------------------------------------

@dataclass
class Finding:
    source: str
    resource: str
    policy: str
    issue: str
    severity: str
    detail: str
    location: dict

    def key(self) -> tuple:
        return (self.source, self.resource, self.policy, self.issue, json.dumps(self.location, sort_keys=True, default=str))

    def text(self) -> str:
        where = f"{self.source} {self.resource} {self.policy}"
        return f"{self.severity:8} {self.issue:32} {where}: {self.detail} {json.dumps(self.location, default=str)}"


def lint(doc: Document) -> list[Finding]:
    policy = analyze_policy_string(
        json.dumps(doc.document),
        filepath=f"{doc.source}#{doc.resource}/{doc.policy}",
        include_community_auditors=True,
    )
    out = []
    for f in policy.findings:
        f = enhance_finding(f)
        if is_finding_filtered(f, MINIMUM_SEVERITY):
            continue
        if doc.only and f.issue not in doc.only:
            continue
        location = {k: v for k, v in (f.location or {}).items() if k != "filepath"}
        out.append(Finding(doc.source, doc.resource, doc.policy, f.issue, f.severity, str(f.detail or ""), location))
    # The merged document repeats what a single policy already showed.
    unique = {x.key(): x for x in out}
    return list(unique.values())


def load_accepted() -> list[dict]:
    if not os.path.exists(ACCEPTED):
        return []
    with open(ACCEPTED) as f:
        entries = yaml.safe_load(f) or []
    for e in entries:
        missing = {"source", "resource", "policy", "issue", "reason"} - set(e)
        if missing:
            raise SystemExit(f"{ACCEPTED}: entry {e} lacks {sorted(missing)}")
        if len(str(e["reason"]).strip()) < 20:
            raise SystemExit(f"{ACCEPTED}: entry {e} needs a real reason")
    return entries


def accepts(entry: dict, f: Finding) -> bool:
    if (entry["source"], entry["resource"], entry["policy"], entry["issue"]) != (f.source, f.resource, f.policy, f.issue):
        return False
    for k, v in (entry.get("location") or {}).items():
        if json.dumps(f.location.get(k), sort_keys=True, default=str) != json.dumps(v, sort_keys=True, default=str):
            return False
    return True


def run() -> tuple[list[Document], list[Finding], list[Finding], list[dict]]:
    """Documents, unaccepted findings, accepted findings, stale accepted entries."""
    docs = all_documents()
    findings = [f for d in docs for f in lint(d)]
    # A merged-role finding already shown for one of its policies is not repeated.
    shown = {(f.source, f.resource, f.issue, json.dumps(f.location, sort_keys=True, default=str))
             for f in findings if f.policy != "merged"}
    findings = [f for f in findings if f.policy != "merged"
                or (f.source, f.resource, f.issue, json.dumps(f.location, sort_keys=True, default=str)) not in shown]
    entries = load_accepted()
    used = [False] * len(entries)
    open_, accepted = [], []
    for f in findings:
        hit = next((i for i, e in enumerate(entries) if accepts(e, f)), None)
        if hit is None:
            open_.append(f)
        else:
            used[hit] = True
            accepted.append(f)
    stale = [e for e, u in zip(entries, used) if not u]
    return docs, open_, accepted, stale


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--all", action="store_true", help="print accepted findings too")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    docs, open_, accepted, stale = run()
    if args.json:
        print(json.dumps({
            "parliament": parliament.__version__,
            "documents": len(docs),
            "findings": len(open_) + len(accepted),
            "accepted": len(accepted),
            "open": [f.__dict__ for f in open_],
            "stale_accepted": stale,
        }, indent=2, default=str))
    else:
        for f in open_:
            print("FINDING  " + f.text())
        if args.all:
            for f in accepted:
                print("accepted " + f.text())
        for e in stale:
            print(f"STALE    accepted entry matches no finding: {e['source']} {e['resource']} {e['policy']} {e['issue']} {e.get('location')}")
        print(
            f"parliament {parliament.__version__}: {len(docs)} policy documents, "
            f"{len(open_) + len(accepted)} findings ({len(accepted)} accepted with a reason, {len(open_)} open), "
            f"{len(stale)} stale accepted entries"
        )
    return 1 if open_ or stale else 0


if __name__ == "__main__":
    sys.exit(main())
