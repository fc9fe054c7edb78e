"""Folds bench/run's JSON files into one table (stdout) and build/bench/results.json.

    python3 bench/table.py build/bench

Reads engine.json (tests/examples/bench.rs) and, when present, lambda-debug.json and
lambda-release.json (bench/lambda-process). Each row: what was measured, the number, the goal
and the ratio number/goal (below 1 meets a "less than" goal). Goals are the issue's; they are
printed, never enforced.
"""

import json
import os
import sys
from pathlib import Path


def rows(engine: dict, lambdas: dict) -> list[tuple[str, str, str, str]]:
    out = []

    def row(what: str, value: float, unit: str, goal: float | None, goal_text: str = "") -> None:
        ratio = f"{value / goal:.2f}" if goal else ""
        shown_goal = goal_text or (f"<= {goal:g} {unit}".strip() if goal is not None else "")
        out.append((what, f"{value:.2f} {unit}".strip(), shown_goal, ratio))

    for key, label in [("apply_quickstart_studio", "quickstart + Studio + 2 profiles"),
                       ("apply_nat_3az_studio", "NAT over 3 zones + Studio + 2 profiles")]:
        s = engine[key]
        row(f"{label}: apply wall / critical path ({s['apply_critical_path_s']:.2f} s)",
            s["apply_ratio"], "", 1.15, "<= 1.15")
        row(f"{label}: domain waited for a slot", s["domain_waited_for_a_slot_s"], "s", None, "0 s")
        row(f"{label}: destroy wall / critical path ({s['destroy_critical_path_s']:.2f} s)",
            s["destroy_ratio"], "", 1.15, "<= 1.15")
    p = engine["plan"]
    row("no-change plan, 1 environment", p["plan_1_env_s"], "s", None)
    row("no-change plan, 20 environments", p["plan_20_env_s"], "s", None)
    row("plan time 20 / 1", p["plan_ratio_20_to_1"], "", 3, "<= 3")
    row("AWS calls per child on refresh, 1 environment", p["calls_per_child_1"], "", 1, "<= 1")
    row("AWS calls per child on refresh, 20 environments", p["calls_per_child_20"], "", 1, "<= 1")
    row("provider peak RSS, 20-environment apply", p["provider_peak_rss_mb"], "MB", 60)
    if "audit" in engine:
        a = engine["audit"]
        row(f"audit of {a['jobs']} training jobs ({a['findings']} findings)", a["audit_s"], "s", 5)
        row("the same, every call 50-200 ms as on AWS", a["audit_aws_call_latency_s"], "s", None)
    if "response" in engine:
        r = engine["response"]
        row("security response: event to job stopped and tagged, AWS-like calls (median)",
            r["event_to_stopped_s_median"], "s", 3)
        row("the same, slowest of the 20", r["event_to_stopped_s_max"], "s", None)
        row(f"{r['events']} events handled at once", r["events_at_once_s"], "s", 5)
    row("provider start to handshake (median of 5)",
        engine["provider"]["provider_start_to_handshake_ms_median"], "ms", None)
    for build, data in lambdas.items():
        row(f"Lambda {build}: cold start to first poll (median of 3)", data["first_poll_ms"], "ms", 100)
        row(f"Lambda {build}: peak RSS", data["peak_rss_mb"], "MB", 512)
    return out


def main() -> int:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "build/bench")
    engine = json.loads((folder / "engine.json").read_text())
    lambdas = {}
    for build in ("debug", "release"):
        f = folder / f"lambda-{build}.json"
        if f.exists():
            lambdas[build] = json.loads(f.read_text())
    table = rows(engine, lambdas)
    cores = engine.get("cores") or os.cpu_count()
    widths = [max(len(r[i]) for r in table + [("measurement", "value", "goal", "ratio")]) for i in range(4)]
    line = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()
    print(f"secure-mlops benchmarks ({cores} cores, emulator latency scale {engine.get('latency_scale')})")
    print(line(("measurement", "value", "goal", "ratio")))
    print(line(tuple("-" * w for w in widths)))
    for r in table:
        print(line(r))
    for key in ("apply_quickstart_studio", "apply_nat_3az_studio"):
        s = engine[key]
        print(f"critical chain, {key}: apply {' -> '.join(s['apply_critical_chain'])}; "
              f"destroy {' -> '.join(s['destroy_critical_chain'])}")
    results = {"cores": cores, "engine": engine, "lambda": lambdas,
               "table": [dict(zip(("measurement", "value", "goal", "ratio"), r)) for r in table]}
    (folder / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"written: {folder / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
