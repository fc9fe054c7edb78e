"""Every action a guardrail statement denies carries the condition keys the statement tests.

    scripts/security-tools python tests/security/guardrail-keys.py [--dir DIR]

Reads the guardrail documents (`<env>/guardrails.json`) of the dump in DIR (default
build/security/engine-policies, written by `cargo run -p secure-mlops-core --example
dump_policies -- DIR`) and checks every statement with a `Condition` against policy_sentry's copy
of the AWS Service Authorization Reference, independently of the engine's own unit tests: each
action pattern matches at least one action of its service (wildcards case-insensitive, as IAM),
and each matched action lists every service key the conditions name (the union over the
action's rows; `aws:` global keys are not checked).

Why: a key an action does not carry is absent from its request context. A `Null` ("true"), `...IfExists` or
negated (`StringNotEquals`, `ArnNotEquals`) deny on it then fires on every call (the action is
unusable), and a `ForAnyValue:` deny never fires (the guardrail is silently off). Prints one line per action pattern (one row per statement for the environments whose
statement is the same) and exits 1 on any problem.
"""

from __future__ import annotations

import argparse
import fnmatch
import functools
import importlib.metadata
import json
import os
import re
import sys

from policy_sentry.querying.actions import get_action_data, get_actions_for_service

from tables import table  # tests/security/tables.py, beside this script

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_DIR = os.path.join(ROOT, "build", "security", "engine-policies")


def guardrail_documents(dir_: str) -> list:
    with open(os.path.join(dir_, "manifest.json")) as f:
        entries = [e for e in json.load(f)["documents"]
                   if e.get("type") == "guardrails" or os.path.basename(e["path"]) == "guardrails.json"]
    if not entries:
        raise SystemExit(f"guardrail-keys: no guardrails.json in {dir_}/manifest.json")
    return [(e["path"], json.load(open(os.path.join(dir_, e["path"])))) for e in entries]


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


@functools.cache
def expand(pattern: str) -> list:
    actions = get_actions_for_service(pattern.split(":", 1)[0].lower())
    return [a for a in actions if fnmatch.fnmatchcase(a.lower(), pattern.lower())]


@functools.cache
def keys_of(action: str) -> list:
    service, name = action.split(":", 1)
    # Union over the action's rows; `sagemaker:ResourceTag/${TagKey}` stands for any tag key.
    return [re.compile(re.sub(r"\\\$\\\{[^}]*\\\}", ".+", re.escape(k)) + r"\Z", re.I)
            for row in get_action_data(service, name).get(service, []) for k in row["condition_keys"]]


def run(dir_: str) -> int:
    grouped, problems, checked, wildcards, statements = {}, [], set(), {}, 0
    for path, doc in guardrail_documents(dir_):
        env = os.path.dirname(path) or path
        for st in as_list(doc["Statement"]):
            if not st.get("Condition"):
                continue
            statements += 1
            sid = st.get("Sid", "?")
            keys = sorted({k for block in st["Condition"].values() for k in block
                           if not k.lower().startswith("aws:")})
            patterns, counts, results = as_list(st.get("Action", [])), [], []
            if not patterns:
                problems.append(f"{env} {sid}: no Action (NotAction is not checked)")
            for pattern in patterns:
                actions = expand(pattern)
                checked.update(actions)
                if any(c in pattern for c in "*?"):
                    wildcards[pattern] = [a.split(":", 1)[1] for a in actions]
                missing = [f"{a} lacks {k}" for a in actions for k in keys
                           if not any(known.match(k) for known in keys_of(a))]
                problems += [f"{env} {sid}: {m}" for m in missing or ([] if actions else [f"{pattern} matches nothing"])]
                counts.append(str(len(actions)))
                results.append("matches nothing" if not actions else "MISSING " + ", ".join(missing) if missing else "ok")
            # The environments' documents differ in values only: one row per statement for all of them.
            row = grouped.setdefault((sid, tuple(patterns), tuple(keys), tuple(results)), [[], counts])
            row[0].append(env)
    version = importlib.metadata.version("policy_sentry")
    print(f"guardrail keys: the guardrail documents of {dir_} against policy_sentry {version} "
          "(one line per action pattern)")
    rows = [[sid, ", ".join(envs), list(patterns), counts, list(keys) or ["-"], list(results)]
            for (sid, patterns, keys, results), (envs, counts) in grouped.items()]
    print(table(rows, ["Sid", "env", "pattern", "actions", "keys", ""]))
    for pattern, names in wildcards.items():
        print(f"{pattern} = {', '.join(names) or 'nothing'}")
    for p in problems:
        print("PROBLEM  " + p)
    print(f"guardrail-keys: {statements} statements, {len(checked)} actions checked against the Service "
          f"Authorization Reference (policy_sentry {version}): {len(problems)} problems")
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", default=DEFAULT_DIR, help="the dump to read (default: %(default)s)")
    return run(parser.parse_args().dir)


if __name__ == "__main__":
    sys.exit(main())
