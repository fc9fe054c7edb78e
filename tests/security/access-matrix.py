"""The access matrix: who may do what, evaluated by principalmapper on the engine's documents.

    scripts/security-tools python tests/security/access-matrix.py [--dir DIR] [--accept-known-gaps]

Every row of tests/security/access-matrix.yaml is one request (principal, action, resource,
condition context, optionally the VPC endpoint it goes through) and the answer the environment
must give. The documents come from `cargo run -p secure-mlops-core --example dump_policies -- <dir>`
(two environments, `team-a-dev` and `team-b-dev`); `--dir` reads an existing dump instead of
running cargo. The script prints the matrix as a table and exits 1 when any row's answer is not
the expected one.

How a row is evaluated (principalmapper 1.1.5, `principalmapper.querying`):

* The principal is a principalmapper `Node`. An environment role carries every `identity`
  document the manifest attaches to it (its permission policy and the guardrail policy), its
  `trust` document, and as permissions boundary the `boundary` document when the dump has one
  (attached to the `principals` it lists, else to every role of its environment). A fixture
  principal of the matrix carries the identity policy written in the matrix.
* The resource policy is the manifest's document whose `resource` the row's resource is (a key),
  or is in (a bucket and its objects); for `sts:*` actions on a role, the role's trust policy.
* `local_check_authorization_full` decides with those: explicit denies anywhere, the resource
  policy (including IAM's and KMS's rule that a same-account key or trust policy must allow
  too), the boundary, the identity policies.
* A VPC endpoint policy (`via`) is not something principalmapper models. It is evaluated here
  with principalmapper's resource-policy matcher (`resource_policy_matching_statements`, the
  code that matches bucket and key policies): the request passes the endpoint when a statement
  allows it and none denies it; the row is allowed only if both the endpoint and the full
  evaluation allow it (an endpoint policy grants nothing, it only caps).

Evaluator limitations and what this script does about them (nothing here decides a row; each
shim makes principalmapper follow the documented IAM semantics, and the results follow from the
documents):

1. principalmapper 1.1.5 (its latest release) imports `Mapping` from `collections`, which
   Python 3.10 removed (nccgroup/PMapper#130, #131, #140): the names are re-exported from
   `collections.abc` before the import.
2. Policy variables (`${aws:PrincipalTag/...}`, `${aws:SourceIdentity}`) are substituted by
   principalmapper in `Resource` only, never in condition values, so the Studio sign-in
   condition `aws:ResourceTag/secure-mlops:user = ${aws:PrincipalTag/secure-mlops:user}` would
   compare against the literal text. Each document is therefore instantiated per request
   before evaluation: every `${key}` in `Resource`/`NotResource` and in condition values is
   replaced by the request's value of `key`. A key the request does not carry becomes a value
   nothing equals (IAM: a variable without a value has no equal or like value, so `StringEquals`
   fails and `StringNotEquals` holds), as does a multi-valued one. `${key, 'default'}` takes the
   default, and `${*}`, `${?}`, `${$}` their literal characters, as IAM does.
3. `ForAnyValue:` blocks: principalmapper passes the whole multi-valued context to the operator
   instead of each value, so `ForAnyValue:StringNotEquals` is false as soon as one value is in
   the list (a job with one environment subnet and one foreign subnet would pass the guardrail),
   and it ORs the keys of one block instead of ANDing them. Those blocks are evaluated here by
   principalmapper's own single-valued operator on each context value in turn (true when some
   value satisfies it, false when the key is absent), for every key of the block; all other
   blocks are left to principalmapper.
4. Keys AWS puts in every request are filled in when a row does not give them:
   `aws:ViaAWSService` = false (principalmapper treats an absent key as not matching `Bool`,
   which would skip the buckets' deny outside the VPC endpoint), `aws:ResourceAccount` from the
   resource ARN's account (S3 ARNs have none: rows give it), `aws:SourceVpce` of the endpoint the
   row goes through (when the manifest names its id). principalmapper itself adds
   `aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:SecureTransport` = true and
   `aws:PrincipalTag/*` from the principal's tags.

A row with `known_gap` states a weakness of today's documents: its expected value is what the
environment must do, its answer shows it does not. Such rows are listed separately; they fail the
run like any other mismatch unless `--accept-known-gaps` is given. A `known_gap` row that gives
its expected answer fails the run too (the gap is closed: remove the mark).
"""

from __future__ import annotations

import argparse
import collections
import collections.abc
import copy
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import yaml

# Limitation 1: principalmapper 1.1.5 on Python >= 3.10.
for _name in ("Mapping", "MutableMapping"):
    if not hasattr(collections, _name):
        setattr(collections, _name, getattr(collections.abc, _name))

import principalmapper  # noqa: E402
from principalmapper.common import Node, Policy  # noqa: E402
from principalmapper.querying import local_policy_simulation as lps  # noqa: E402
from principalmapper.querying import query_interface  # noqa: E402
from principalmapper.util import arns  # noqa: E402
from principalmapper.util.case_insensitive_dict import CaseInsensitiveDict  # noqa: E402
from tables import table  # noqa: E402  (tests/security/tables.py, beside this script)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
MATRIX = os.path.join(HERE, "access-matrix.yaml")
EXPECTED = ("allowed", "denied")

# --- limitation 3: ForAnyValue blocks -------------------------------------------------------------

_pm_condition_match = lps._get_condition_match


def _condition_match(condition: dict, context: CaseInsensitiveDict) -> bool:
    rest = {}
    for block, keys in condition.items():
        if not block.startswith("ForAnyValue:"):
            rest[block] = keys
            continue
        operator = block.split(":", 1)[1]
        for key, policy_values in keys.items():
            values = context.get(key) if key in context else None
            values = [v for v in (values if isinstance(values, list) else [values]) if v not in (None, "")]
            if not any(_pm_condition_match({operator: {key: policy_values}}, CaseInsensitiveDict({key: v}))
                       for v in values):
                return False
    return _pm_condition_match(rest, context) if rest else True


lps._get_condition_match = _condition_match

# --- limitation 2: policy variables -------------------------------------------------------------

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_LITERALS = {"*": "*", "?": "?", "$": "$"}


def _unresolved(key: str) -> str:
    # No request value equals this (NUL never occurs in one); it contains no wildcard and no "${".
    return "\x00no value for " + key + "\x00"


def _substitute(text: str, context: CaseInsensitiveDict) -> str:
    def value(match: re.Match) -> str:
        inner = match.group(1).strip()
        if inner in _LITERALS:
            return _LITERALS[inner]
        key, _, default = inner.partition(",")
        key, default = key.strip(), default.strip()
        found = context.get(key) if key in context else None
        if isinstance(found, str) and found != "":
            return found
        if default.startswith("'") and default.endswith("'") and len(default) >= 2:
            return default[1:-1]
        return _unresolved(key)

    return _VARIABLE.sub(value, text)


def instantiate(document: dict, context: CaseInsensitiveDict) -> dict:
    """`document` with its policy variables replaced by the request's values (see limitation 2)."""
    doc = copy.deepcopy(document)
    statements = doc["Statement"] if isinstance(doc["Statement"], list) else [doc["Statement"]]
    for st in statements:
        for element in ("Resource", "NotResource"):
            if element in st:
                st[element] = ([_substitute(r, context) for r in st[element]]
                               if isinstance(st[element], list) else _substitute(st[element], context))
        for block in (st.get("Condition") or {}).values():
            for key, values in block.items():
                block[key] = ([_substitute(v, context) for v in values]
                              if isinstance(values, list) else _substitute(values, context))
    return doc


# --- the dump ---------------------------------------------------------------------------------


def dump(dir_: str) -> None:
    subprocess.run(
        ["cargo", "run", "-q", "-p", "secure-mlops-core", "--example", "dump_policies", "--", dir_],
        cwd=ROOT, check=True,
    )


class Dump:
    def __init__(self, dir_: str):
        with open(os.path.join(dir_, "manifest.json")) as f:
            self.manifest = json.load(f)
        self.account = self.manifest["account"]
        self.entries = []
        for entry in self.manifest["documents"]:
            with open(os.path.join(dir_, entry["path"])) as f:
                self.entries.append((entry, json.load(f)))

    def of_type(self, kind: str):
        return [(e, d) for e, d in self.entries if e["type"] == kind]

    def role(self, env: str, persona: str) -> str:
        pattern = re.compile(r":role/(?:.*/)?" + re.escape(f"{env}-{persona}") + "$")
        found = sorted({p for e, _ in self.of_type("identity") for p in e.get("principals") or []
                        if pattern.search(p)})
        if len(found) != 1:
            raise SystemExit(f"access-matrix: {len(found)} roles of {env} {persona} in the manifest: {found}")
        return found[0]

    def identity(self, arn: str):
        return [(e["path"], d) for e, d in self.of_type("identity") if arn in (e.get("principals") or [])]

    def boundary(self, arn: str, env: str | None):
        for e, d in self.of_type("boundary"):
            if arn in (e.get("principals") or []) or (not e.get("principals") and env and e.get("env") == env):
                return e["path"], d
        return None

    def trust(self, arn: str):
        return next(((e["path"], d) for e, d in self.of_type("trust") if e.get("resource") == arn), None)

    def resource_policy(self, action: str, resource: str):
        if action.lower().startswith("sts:"):
            return self.trust(resource)
        for e, d in self.entries:
            owner = e.get("resource")
            if e["type"] == "key" and resource == owner:
                return e["path"], d
            if e["type"] == "bucket" and (resource == owner or resource.startswith(owner + "/")):
                return e["path"], d
            # A CodeArtifact domain's policy governs calls on the domain (GetAuthorizationToken).
            if e["type"] == "codeartifact-domain" and resource == owner:
                return e["path"], d
        return None

    def endpoint(self, via: str):
        env, _, service = via.partition("/")
        for e, d in self.of_type("endpoint"):
            if e.get("env") == env and (e.get("service") == service or service in (e.get("services") or [])):
                return e, d
        raise SystemExit(f"access-matrix: no endpoint policy for {via} in the manifest")

    def key_labels(self) -> dict:
        return {e["resource"]: "<" + e["path"].replace("/keys/", " ").removesuffix(".json") + " key>"
                for e, _ in self.of_type("key")}


# --- evaluation ---------------------------------------------------------------------------------


class Principal:
    def __init__(self, name: str, spec: dict, dump: Dump):
        self.name = name
        self.tags = dict(spec.get("tags") or {})
        self.env = spec.get("env")
        if "persona" in spec:
            self.arn = dump.role(self.env, spec["persona"])
            self.documents = dump.identity(self.arn)
            self.boundary = dump.boundary(self.arn, self.env)
            trust = dump.trust(self.arn)
            self.trust = trust[1] if trust else {"Version": "2012-10-17", "Statement": []}
            user = self.tags.get("secure-mlops:user")
            people = spec["persona"] in ("data-scientist", "team-admin")
            self.label = f"{self.env} {spec['persona']}" + (f" {user}" if user else " (no user tag)" if people else "")
        else:
            self.arn = spec["arn"]
            self.documents = [("access-matrix.yaml#" + name, spec["policy"])]
            self.boundary = None
            self.trust = {"Version": "2012-10-17", "Statement": []} if ":role/" in self.arn else None
            self.label = f"{name} (fixture, {arns.get_account_id(self.arn)})"
        if not self.documents:
            raise SystemExit(f"access-matrix: no identity document for {name} ({self.arn})")

    def node(self, context: CaseInsensitiveDict | None) -> Node:
        def doc(d):
            return instantiate(d, context) if context is not None else d
        policies = [Policy(self.arn, path, doc(d)) for path, d in self.documents]
        boundary = Policy(self.arn, self.boundary[0], doc(self.boundary[1])) if self.boundary else None
        return Node(self.arn, "AROA" + self.name.upper().replace("-", ""), policies, None, self.trust,
                    None, 0, False, False, boundary, False, self.tags)


def request_context(row: dict, principal: Principal, dump: Dump, endpoint_entry) -> CaseInsensitiveDict:
    given = {k: v for k, v in (row.get("context") or {}).items() if v is not None}
    context = {k: (v if isinstance(v, list) else str(v)) for k, v in given.items()}
    context.setdefault("aws:ViaAWSService", "false")
    owner = arns.get_account_id(row["resource"]) if row["resource"].startswith("arn:") else ""
    if owner:
        context.setdefault("aws:ResourceAccount", owner)
    if endpoint_entry is not None and endpoint_entry.get("endpoint_id"):
        context.setdefault("aws:SourceVpce", endpoint_entry["endpoint_id"])
    prepared = query_interface._prepare_condition_context(context)
    # What principalmapper infers (principal tags, ARN, account, ...), for the variables too.
    prepared.update(query_interface._infer_condition_keys(principal.node(None), prepared))
    return prepared


def statements_matching(document: dict, effect: str, action: str, resource: str, context) -> list:
    statements = document["Statement"] if isinstance(document["Statement"], list) else [document["Statement"]]
    return [st.get("Sid", f"[{i}]") for i, st in enumerate(statements) if st["Effect"] == effect and
            lps.policy_has_matching_statement({"Statement": [st]}, effect, action, resource, context)]


def evaluate(row: dict, principals: dict, dump: Dump) -> dict:
    principal = principals[row["principal"]]
    action, resource = row["action"], row["resource"]
    endpoint_entry, endpoint_doc = dump.endpoint(row["via"]) if row.get("via") else (None, None)
    context = request_context(row, principal, dump, endpoint_entry)
    node = principal.node(context)
    found = dump.resource_policy(action, resource)
    resource_doc = instantiate(found[1], context) if found else None
    owner = (arns.get_account_id(resource) if resource.startswith("arn:") else "") \
        or context.get("aws:ResourceAccount") or dump.account
    allowed = query_interface.local_check_authorization_full(
        node, action, resource, context, resource_doc, owner if resource_doc is not None else None)

    # Why: the statements that matched (for the report of a mismatch).
    because = []
    for policy in node.attached_policies + ([node.permissions_boundary] if node.permissions_boundary else []):
        for effect in ("Deny", "Allow"):
            because += [f"{effect} {policy.name}#{sid}"
                        for sid in statements_matching(policy.policy_doc, effect, action, resource, context)]
    if resource_doc is not None:
        for st in lps.resource_policy_matching_statements(node, resource_doc, action, resource, context):
            because.append(f"{st['Effect']} {found[0]}#{st.get('Sid', '?')}")

    if endpoint_doc is not None:
        matched = lps.resource_policy_matching_statements(
            node, instantiate(endpoint_doc, context), action, resource, context)
        through = any(st["Effect"] == "Allow" for st in matched) and not any(st["Effect"] == "Deny" for st in matched)
        because += [f"{st['Effect']} {endpoint_entry['path']}#{st.get('Sid', '?')}" for st in matched]
        if not through:
            because.append(f"no Allow in {endpoint_entry['path']}")
        allowed = allowed and through
    return {"got": "allowed" if allowed else "denied", "because": because, "context": dict(context)}


# --- the table ------------------------------------------------------------------------------------


def show_context(row: dict, labels: dict) -> list:
    """The row's context as given (not what the script adds), one key per line."""
    lines = []
    for key, value in (row.get("context") or {}).items():
        if value is None:
            continue
        values = [labels.get(str(v), str(v)) for v in (value if isinstance(value, list) else [value])]
        lines.append(f"{key}=" + ("[" + ", ".join(values) + "]" if isinstance(value, list) else values[0]))
    if row.get("via"):
        lines.append(f"via the {row['via']} endpoint")
    return lines or ["-"]


def load_matrix(path: str) -> dict:
    with open(path) as f:
        matrix = yaml.safe_load(f)
    for i, row in enumerate(matrix["rows"], 1):
        missing = [k for k in ("principal", "action", "resource", "expected", "why") if k not in row]
        if missing or row["expected"] not in EXPECTED or row["principal"] not in matrix["principals"]:
            raise SystemExit(f"access-matrix: row {i} is malformed (missing {missing}, expected "
                             f"{row.get('expected')!r}, principal {row.get('principal')!r})")
    return matrix


def run(dir_: str, matrix: dict, accept_gaps: bool) -> int:
    dump = Dump(dir_)
    principals = {name: Principal(name, spec, dump) for name, spec in matrix["principals"].items()}
    labels = dump.key_labels()
    shown, mismatches, gaps, closed = [], [], [], []
    for i, row in enumerate(matrix["rows"], 1):
        result = evaluate(row, principals, dump)
        ok = result["got"] == row["expected"]
        if row.get("known_gap"):
            (closed if ok else gaps).append((i, row, result))
            mark = "CLOSED" if ok else "GAP"
        else:
            if not ok:
                mismatches.append((i, row, result))
            mark = "ok" if ok else "MISMATCH"
        resource = row["resource"].removeprefix("arn:aws:")
        shown.append([i, principals[row["principal"]].label, row["action"], labels.get(row["resource"], resource),
                      show_context(row, labels), row["expected"], result["got"], mark])

    print(f"access matrix: {len(matrix['rows'])} requests, principalmapper {principalmapper.__version__}, "
          f"documents of {dir_} (resources without their arn:aws: prefix)")
    print(table(shown, ["#", "principal", "action", "resource", "context", "expected", "got", ""]))

    def report(title: str, items: list) -> None:
        if not items:
            return
        print(f"\n{title}:")
        for i, row, result in items:
            print(f"  #{i} {row['principal']} {row['action']} {row['resource']}: expected {row['expected']}, "
                  f"got {result['got']} ({row['why']})")
            if row.get("known_gap"):
                print(f"      known gap: {row['known_gap']}")
            print("      matched: " + ("; ".join(result["because"]) or "no statement"))

    report("MISMATCH (the documents do not give the expected answer)", mismatches)
    report("KNOWN GAP (expected answer not enforced by today's documents)", gaps)
    report("CLOSED GAP (gives the expected answer now: remove its known_gap)", closed)
    failed = bool(mismatches or closed or (gaps and not accept_gaps))
    print(f"\n{len(matrix['rows']) - len(mismatches) - len(gaps)} of {len(matrix['rows'])} as expected, "
          f"{len(mismatches)} mismatches, {len(gaps)} known gaps"
          + (" (accepted)" if gaps and accept_gaps else "") + f", {len(closed)} closed gaps")
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", help="evaluate this dump instead of running dump_policies")
    parser.add_argument("--matrix", default=MATRIX, help="the matrix file (default: %(default)s)")
    parser.add_argument("--accept-known-gaps", action="store_true",
                        help="do not fail on rows marked known_gap that give the unexpected answer")
    args = parser.parse_args()
    started = time.monotonic()
    matrix = load_matrix(args.matrix)
    if args.dir:
        code = run(args.dir, matrix, args.accept_known_gaps)
    else:
        with tempfile.TemporaryDirectory(prefix="engine-policies-") as tmp:
            dump(tmp)
            code = run(tmp, matrix, args.accept_known_gaps)
    print(f"access-matrix: {time.monotonic() - started:.2f}s", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
