"""cloudsplaining on the IAM principals an environment creates (helper of tests/security/cloudsplaining-env).

    scripts/security-tools python tests/security/cloudsplaining-env.py fetch ENDPOINT OUT.json
    scripts/security-tools python tests/security/cloudsplaining-env.py check AUTH.json ENV_ID [--out DIR] [--json]

`fetch` writes GetAccountAuthorizationDetails (every filter, every page) as the AWS CLI prints it,
the input cloudsplaining expects. moto 5.2.5 leaves PolicyName and PolicyId out of `Policies[]`
(AWS returns them; cloudsplaining needs them): they are filled in from ListPolicies.

`check` runs `cloudsplaining scan` (default mode: statements with a Condition or resource ARNs
are not flagged) on that file and reads its results JSON (`iam-results-<file stem>.json` in DIR,
default the file's directory). The environment's principals are the roles whose name starts
with ENV_ID or whose path is under /secure-mlops/, and the policies they hold: their inline
policies and the managed policies attached to them (customer or AWS managed). Our customer-managed
policies (name starting with ENV_ID or path under /secure-mlops/) that no role holds are judged
too, except a permissions boundary of the environment's roles: a boundary grants nothing (it caps
what the role's own policies grant), so its findings are printed as info only.

Exclusions (the file given to `scan`, written to DIR): cloudsplaining's defaults, plus every
AWS-managed policy attached to none of the environment's roles, by name. moto preloads all of
AWS's managed policies (~1,600; the emulator runs with MOTO_IAM_LOAD_MANAGED_POLICIES): they are
AWS's, not the environment's, and nobody here holds them. An AWS-managed policy attached to an
environment role is scanned and judged like our own; the run stops if an exclusion would match
the name of one of our policies.

Fails (exit 1) on any PrivilegeEscalation, ResourceExposure or DataExfiltration finding on a
policy an environment role holds, listing each with its policy, actions and the statements
(index and Sid) that allow them; InfrastructureModification and CredentialsExposure are info.
Exit 2 when the input is unusable (no environment role in it, cloudsplaining failed). The whole
report is also written to DIR/cloudsplaining-env-report.json.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
import sys
import time

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ENV_PATH = "/secure-mlops/"
FAILING = ("PrivilegeEscalation", "ResourceExposure", "DataExfiltration")
INFO = ("InfrastructureModification", "CredentialsExposure")
FILTERS = ["User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy"]
LISTS = ["UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"]


def fetch(endpoint: str, out: str) -> None:
    import boto3

    iam = boto3.client(
        "iam",
        endpoint_url=endpoint,
        region_name=os.environ.get("AWS_REGION", "us-east-1"),
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"),
    )
    details: dict = {k: [] for k in LISTS}
    pages = 0
    for page in iam.get_paginator("get_account_authorization_details").paginate(Filter=FILTERS):
        pages += 1
        for k in LISTS:
            details[k].extend(page.get(k, []))
    # moto 5.2.5 leaves PolicyName and PolicyId out of Policies[] (AWS returns both, and
    # cloudsplaining needs them): take them from ListPolicies, which has them.
    missing = [p for p in details["Policies"] if "PolicyName" not in p or "PolicyId" not in p]
    if missing:
        listed = {
            p["Arn"]: p
            for page in iam.get_paginator("list_policies").paginate(Scope="All")
            for p in page["Policies"]
        }
        for p in missing:
            known = listed.get(p["Arn"])
            if known is None:
                sys.exit(f"cloudsplaining-env: {p['Arn']} is in the authorization details but not in ListPolicies")
            p.setdefault("PolicyName", known["PolicyName"])
            p.setdefault("PolicyId", known["PolicyId"])
        print(f"cloudsplaining-env: filled PolicyName/PolicyId of {len(missing)} policies from ListPolicies", file=sys.stderr)
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "w") as f:
        json.dump(details, f, indent=1, default=str)
    print(
        f"cloudsplaining-env: {out}: {len(details['RoleDetailList'])} roles, {len(details['UserDetailList'])} users, "
        f"{len(details['GroupDetailList'])} groups, {len(details['Policies'])} managed policies ({pages} pages)",
        file=sys.stderr,
    )


def is_aws_managed(arn: str) -> bool:
    return ":iam::aws:policy/" in arn


def env_role(role: dict, env_id: str) -> bool:
    return role["RoleName"].startswith(env_id) or role.get("Path", "/").startswith(ENV_PATH)


def env_policy(policy: dict, env_id: str) -> bool:
    return not is_aws_managed(policy["Arn"]) and (
        policy["PolicyName"].startswith(env_id) or policy.get("Path", "/").startswith(ENV_PATH)
    )


def exclusions(details: dict, env_id: str) -> dict:
    from cloudsplaining.shared.constants import DEFAULT_EXCLUSIONS_CONFIG
    from cloudsplaining.shared.exclusions import is_name_excluded

    cfg = copy.deepcopy(DEFAULT_EXCLUSIONS_CONFIG)
    held = {
        p["PolicyArn"]
        for r in details["RoleDetailList"]
        if env_role(r, env_id)
        for p in r.get("AttachedManagedPolicies", [])
    }
    # Names cloudsplaining must see: every customer-managed and inline policy in the account and
    # every AWS-managed policy an environment role holds (exclusions match names, not ARNs).
    kept = {p["PolicyName"] for p in details["Policies"] if not is_aws_managed(p["Arn"]) or p["Arn"] in held}
    kept |= {ip["PolicyName"] for r in details["RoleDetailList"] for ip in r.get("RolePolicyList", [])}
    # cloudsplaining's defaults ("AdministratorAccess", "*ServiceRolePolicy", ...) minus any that
    # would hide one of those.
    defaults = [pat for pat in cfg.get("policies", []) if pat and not any(is_name_excluded(n, pat) for n in kept)]
    unheld = sorted(
        p["PolicyName"] for p in details["Policies"]
        if is_aws_managed(p["Arn"]) and p["Arn"] not in held and p["PolicyName"] not in kept
    )
    cfg["policies"] = defaults + unheld
    hidden = sorted(n for n in kept if is_name_excluded(n, cfg["policies"]))
    assert not hidden, f"the exclusions would hide {hidden}"
    return cfg


def scan(auth: str, out_dir: str, exclusions_file: str) -> str:
    stem = os.path.splitext(os.path.basename(auth))[0]
    results = os.path.join(out_dir, f"iam-results-{stem}.json")
    if os.path.exists(results):
        os.remove(results)
    cmd = [
        os.path.join(ROOT, "scripts", "security-tools"), "cloudsplaining", "scan",
        "--input-file", auth, "--exclusions-file", exclusions_file, "--output", out_dir, "--skip-open-report",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0 or not os.path.exists(results):
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        sys.exit(f"cloudsplaining-env: cloudsplaining scan failed (exit {proc.returncode})")
    return results


_FLAGGED: dict = {}


def statements_allowing(document: dict, action: str) -> list[str]:
    """The statements (index and Sid) that make cloudsplaining flag `action` (default mode: Allow,
    no Condition, Resource "*" for actions that take a resource, any Resource for those that take none)."""
    from cloudsplaining.scan.statement_detail import StatementDetail

    key = json.dumps(document, sort_keys=True)
    if key not in _FLAGGED:
        statements = document.get("Statement", [])
        if isinstance(statements, dict):
            statements = [statements]
        per_statement = []
        for i, st in enumerate(statements):
            detail = StatementDetail(st)
            if not detail.effect_allow or detail.has_condition:
                continue
            flagged = set(detail.unrestrictable_actions or [])
            if detail.has_resource_wildcard:
                flagged |= set(detail.restrictable_actions or [])
            label = f"#{i}" + (f" {st['Sid']}" if st.get("Sid") else "")
            per_statement.append((label, {a.lower() for a in flagged}))
        _FLAGGED[key] = per_statement
    return [label for label, flagged in _FLAGGED[key] if action.lower() in flagged]


def document_of(entry: dict) -> dict:
    """An inline policy's document, or a managed policy's default version."""
    if "PolicyDocument" in entry:
        return entry["PolicyDocument"]
    return next(v["Document"] for v in entry["PolicyVersionList"] if v.get("IsDefaultVersion"))


def actions_of(kind: str, finding) -> list[str]:
    return finding["actions"] if kind == "PrivilegeEscalation" else [finding]


def check(args) -> int:
    started = time.monotonic()
    auth = os.path.abspath(args.auth)
    out_dir = os.path.abspath(args.out or os.path.dirname(auth))
    os.makedirs(out_dir, exist_ok=True)
    with open(auth) as f:
        details = json.load(f)
    roles = [r for r in details["RoleDetailList"] if env_role(r, args.env_id)]
    if not roles:
        print(f"cloudsplaining-env: no role named {args.env_id}* or under {ENV_PATH} in {auth}", file=sys.stderr)
        return 2
    others = [r["RoleName"] for r in details["RoleDetailList"] if not env_role(r, args.env_id)]

    excl_file = os.path.join(out_dir, "cloudsplaining-exclusions.yaml")
    cfg = exclusions(details, args.env_id)
    with open(excl_file, "w") as f:
        f.write(
            "# Generated by tests/security/cloudsplaining-env.py: cloudsplaining's default exclusions, plus\n"
            "# every AWS-managed policy that no role of the environment holds. moto preloads all of AWS's\n"
            "# managed policies; they are not the environment's and nobody here is attached to them.\n"
        )
        yaml.safe_dump(cfg, f, sort_keys=False)
    results_file = scan(auth, out_dir, excl_file)
    with open(results_file) as f:
        results = json.load(f)
    scanned = time.monotonic()

    # cloudsplaining keys managed policies by PolicyId, inline policies by a hash of their document.
    managed = {**results.get("customer_managed_policies", {}), **results.get("aws_managed_policies", {})}
    inline = results.get("inline_policies", {})
    by_role = {r["RoleName"]: r for r in roles}
    boundaries = {r["PermissionsBoundary"]["PermissionsBoundaryArn"] for r in roles if r.get("PermissionsBoundary")}
    report: dict = {
        "environment": args.env_id, "principals": {}, "policies": {}, "findings": [], "info": [],
        "boundaries": [], "other_roles": others,
    }

    def collect(principal: str, label: str, entry: dict, failing: bool) -> dict:
        """Counts of `entry`'s findings; each finding goes to report["findings"] (fails the run)
        or report["info"]."""
        counts = {k: len(entry.get(k, {}).get("findings", [])) for k in FAILING + INFO}
        report["policies"][label] = counts
        doc = document_of(entry)
        for kind in FAILING + INFO:
            for finding in entry[kind]["findings"]:
                acts = actions_of(kind, finding)
                (report["findings"] if failing and kind in FAILING else report["info"]).append({
                    "principal": principal, "policy": label, "type": kind,
                    "method": finding.get("type") if isinstance(finding, dict) else None,
                    "actions": acts,
                    "statements": sorted({s for a in acts for s in statements_allowing(doc, a)}),
                })
        return counts

    seen = set()
    for role_res in results.get("roles", {}).values():
        name = role_res["name"]
        if name not in by_role:
            continue
        totals = {k: 0 for k in FAILING + INFO}
        held = [(f"{name}/inline/{n}", inline.get(i)) for i, n in role_res["inline_policies"].items()]
        held += [(f"customer/{n}", managed.get(i)) for i, n in role_res["customer_managed_policies"].items()]
        held += [(f"aws/{n}", managed.get(i)) for i, n in role_res["aws_managed_policies"].items()]
        for label, entry in held:
            if entry is None:  # exclusions() never excludes a policy an environment role holds
                print(f"cloudsplaining-env: {label} held by {name} was not scanned", file=sys.stderr)
                return 2
            seen.add(entry.get("Arn") or label)
            for k, n in collect(name, label, entry, failing=True).items():
                totals[k] += n
        boundary = (by_role[name].get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn", "-")
        report["principals"][name] = {
            "path": role_res["path"], "policies": [h[0] for h in held], "boundary": boundary, **totals,
        }
    # Our customer-managed policies that no role holds. A permissions boundary only caps what a
    # role's own policies grant (it grants nothing, and is not attached): its findings are info.
    # Any other policy of ours is judged as if attached.
    for entry in results.get("customer_managed_policies", {}).values():
        if entry["Arn"] in seen or not env_policy(entry, args.env_id):
            continue
        is_boundary = entry["Arn"] in boundaries
        if is_boundary:
            report["boundaries"].append(entry["Arn"])
        collect("(boundary)" if is_boundary else "(unattached)", f"customer/{entry['PolicyName']}", entry,
                failing=not is_boundary)

    report_file = os.path.join(out_dir, "cloudsplaining-env-report.json")
    with open(report_file, "w") as f:
        json.dump(report, f, indent=1)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_report(report)
    print(
        f"cloudsplaining-env: cloudsplaining scan {scanned - started:.1f}s, report {time.monotonic() - scanned:.1f}s; "
        f"{report_file}, cloudsplaining's {results_file}, exclusions {excl_file}",
        file=sys.stderr,
    )
    if report["findings"]:
        print(
            f"cloudsplaining-env: FAIL: {len(report['findings'])} {'/'.join(FAILING)} finding(s) "
            f"on the policies of {args.env_id}'s roles",
            file=sys.stderr,
        )
        return 1
    print(
        f"cloudsplaining-env: OK: 0 {'/'.join(FAILING)} findings on the policies of the "
        f"{len(report['principals'])} roles of {args.env_id}",
        file=sys.stderr,
    )
    return 0


SHORT = {"PrivilegeEscalation": "PrivEsc", "ResourceExposure": "ResExposure", "DataExfiltration": "DataExfil",
         "InfrastructureModification": "InfraMod(i)", "CredentialsExposure": "CredExp(i)"}


def print_report(report: dict) -> None:
    cols = FAILING + INFO
    width = max([len(n) for n in report["principals"]] + [len(n) for n in report["policies"]] + [20])
    header = f"{'':{width}}  " + "  ".join(f"{SHORT[c]:>11}" for c in cols)
    row = lambda name, counts: f"{name:{width}}  " + "  ".join(f"{counts[c]:>11}" for c in cols)  # noqa: E731
    print(f"== cloudsplaining: the roles of {report['environment']} (each role: the sum over the policies it holds) ==")
    print(header)
    for name, p in sorted(report["principals"].items()):
        print(row(name, p))
    print("\n== by policy ==")
    print(header)
    for label, counts in sorted(report["policies"].items()):
        print(row(label, counts) + ("   (permissions boundary: info)" if label.startswith("customer/") and any(
            b.endswith("/" + label.split("/", 1)[1]) for b in report["boundaries"]) else ""))
    if report["other_roles"]:
        print(f"\nother roles in the account (not the environment's, not judged): {', '.join(report['other_roles'])}")

    def line(f: dict) -> str:
        method = f" ({f['method']})" if f["method"] else ""
        where = f"statement {', '.join(f['statements'])}" if f["statements"] else "statement ?"
        return f"  {f['type']}{method}: {f['principal']}: {f['policy']} {where}: {', '.join(f['actions'])}"

    # One line per type (escalation method), principal, policy and statement.
    for title, items, limit in (
        ("findings (fail)", report["findings"], None),
        ("info (not failing: InfrastructureModification, CredentialsExposure, permissions boundaries)", report["info"], 12),
    ):
        if not items:
            continue
        print(f"\n== {title} ==")
        grouped: dict = {}
        for f in items:
            acts = grouped.setdefault((f["type"], f["method"], f["principal"], f["policy"], tuple(f["statements"])), [])
            acts.extend(a for a in f["actions"] if a not in acts)
        for (kind, method, principal, policy, sts), acts in grouped.items():
            if limit and len(acts) > limit:
                acts = acts[:limit] + [f"... ({len(acts) - limit} more, in cloudsplaining-env-report.json)"]
            print(line({"type": kind, "method": method, "principal": principal, "policy": policy,
                        "statements": list(sts), "actions": acts}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("fetch")
    p.add_argument("endpoint")
    p.add_argument("out")
    p = sub.add_parser("check")
    p.add_argument("auth")
    p.add_argument("env_id")
    p.add_argument("--out", help="cloudsplaining's output directory (default: the input's directory)")
    p.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.cmd == "fetch":
        fetch(args.endpoint, args.out)
        return 0
    return check(args)


if __name__ == "__main__":
    sys.exit(main())
