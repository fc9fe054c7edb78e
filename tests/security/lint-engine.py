"""parliament on every policy document the engine writes (core/src/policy/**).

    scripts/security-tools python tests/security/lint-engine.py [--all] [--json] [--dir DIR]

The documents come from `cargo run -p secure-mlops-core --example dump_policies -- <dir>`, which
builds every document of two environments (`team-a-dev`, `team-b-dev`) with the engine's pure
builders and lists them in `<dir>/manifest.json`. `--dir` lints an existing dump instead of
running cargo.

What is linted, by manifest type:

* `identity`: permission policies of the persona, execution and flow-logs roles, and the
  guardrail policy; each on its own, and each role's identity documents merged into one for the
  privilege-escalation auditor (an escalation may need actions from two policies);
* `bucket`, `key`, `endpoint`: resource policies. In a key policy `"Resource": "*"` means the key
  itself, so it is spelled as the key's ARN first (parliament reads every document as an
  identity policy), as lint-cfn.py does;
* `trust` documents are not linted, for the reason lint-cfn.py gives (parliament reads their
  missing `Resource` as malformed); the Rust unit tests in `policy/environment/roles.rs` check
  them.

Same auditors, minimum severity and accepted-findings rules as lint-cfn.py (whose helpers this
imports): a finding kept on purpose is listed with its reason in
tests/security/accepted-engine-findings.yaml (`source` is the document's path in the dump,
`resource` the environment or `account`, `policy` the manifest type); the run fails on any
other finding and on an accepted entry that matches no finding.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("lint_cfn", os.path.join(HERE, "lint-cfn.py"))
lint_cfn = importlib.util.module_from_spec(_spec)
sys.modules["lint_cfn"] = lint_cfn  # dataclasses look their module up
_spec.loader.exec_module(lint_cfn)

import parliament  # noqa: E402  (after lint_cfn loaded the community auditors' config)

ROOT = lint_cfn.ROOT
lint_cfn.ACCEPTED = os.path.join(HERE, "accepted-engine-findings.yaml")
Document = lint_cfn.Document
MERGED_FROM: dict = {}  # principal -> the dump paths merged into its document
LINTED = ("identity", "bucket", "key", "endpoint", "boundary", "codeartifact-domain")


def dump(dir_: str) -> None:
    subprocess.run(
        ["cargo", "run", "-q", "-p", "secure-mlops-core", "--example", "dump_policies", "--", dir_],
        cwd=ROOT, check=True,
    )


def documents(dir_: str) -> list:
    with open(os.path.join(dir_, "manifest.json")) as f:
        manifest = json.load(f)
    docs, by_principal, paths = [], {}, {}
    for entry in manifest["documents"]:
        kind = entry["type"]
        if kind not in LINTED:
            continue
        with open(os.path.join(dir_, entry["path"])) as f:
            doc = json.load(f)
        if kind == "key":
            doc = lint_cfn.this_resource(doc, entry["resource"])
        docs.append(Document(entry["path"], entry.get("env") or "account", kind, doc))
        if kind == "identity":
            for p in entry.get("principals") or []:
                by_principal.setdefault(p, []).extend(doc["Statement"])
                paths.setdefault(p, []).append(entry["path"])
    for principal, statements in sorted(by_principal.items()):
        # Merged documents may repeat Sids; parliament does not check them.
        MERGED_FROM[principal] = paths[principal]
        docs.append(Document(
            principal, principal.rsplit("/", 1)[-1], "merged",
            {"Version": "2012-10-17", "Statement": statements},
            only=("PRIVILEGE_ESCALATION",),
        ))
    return docs


def run(dir_: str):
    docs = documents(dir_)
    findings = [f for d in docs for f in lint_cfn.lint(d)]
    # A merged-role finding already shown for one of the role's documents is not repeated.
    shown = {(f.source, f.issue, json.dumps(f.location, sort_keys=True, default=str))
             for f in findings if f.policy != "merged"}
    findings = [f for f in findings if f.policy != "merged" or not any(
        (path, f.issue, json.dumps(f.location, sort_keys=True, default=str)) in shown
        for path in MERGED_FROM.get(f.source, []))]
    entries = lint_cfn.load_accepted()
    used = [False] * len(entries)
    open_, accepted = [], []
    for f in findings:
        hit = next((i for i, e in enumerate(entries) if lint_cfn.accepts(e, f)), None)
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
    parser.add_argument("--dir", help="lint this dump instead of running dump_policies")
    args = parser.parse_args()
    if args.dir:
        result = run(args.dir)
    else:
        with tempfile.TemporaryDirectory(prefix="engine-policies-") as tmp:
            dump(tmp)
            result = run(tmp)
    docs, open_, accepted, stale = result
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
