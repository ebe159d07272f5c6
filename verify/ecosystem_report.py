"""The ecosystem conformance report, full run (a benchmark-style script, not a test: it takes minutes).

    python -m verify.ecosystem_report [--out ecosystem.md] [--json ecosystem.json] [--examples 30] [PACKAGE ...]

Every optimizer (class or optax-style factory) of every collection importable here (default: verify.adapters.ecosystem.COLLECTIONS;
those not installed get a "not installed" row) is cross-checked as `optverify crosscheck --package` does, and
the table is written as Markdown with the versions that ran.  It prints a summary — how many rows matched a
convention (per rule), followed none (with the diagnosis), have no rule yet, crashed — and the run's time.
The CI smoke subset is tests/verify/test_ecosystem.py and test_ecosystem_jax.py.
"""
from __future__ import annotations

import argparse
import collections
import json
import sys
import time

from verify.adapters import crosscheck, ecosystem


def summary(rows) -> list[str]:
    by_status = collections.Counter(r.status for r in rows)
    matched = collections.Counter(r.rule for r in rows if r.status == "matched")
    lines = [f"{len(rows)} rows: " + ", ".join(f"{n} {s}" for s, n in by_status.most_common())]
    if matched:
        lines.append("matched, by rule: " + ", ".join(f"{rule} {n}" for rule, n in matched.most_common()))
    hints = [r.optimizer for r in rows if r.fingerprint is not None and r.fingerprint.diagnosis is not None
             and r.fingerprint.diagnosis.hint()]
    if hints:
        lines.append("precision hints: " + ", ".join(hints))
    return lines


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m verify.ecosystem_report", description=__doc__.splitlines()[0])
    p.add_argument("packages", nargs="*", default=list(ecosystem.COLLECTIONS),
                   help="collections to scan (default: %(default)s)")
    p.add_argument("--examples", type=int, default=30, help="surveyed trajectories per optimizer (default 30)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="ecosystem.md", help="the Markdown report (default ecosystem.md)")
    p.add_argument("--json", default=None, help="also the rows as JSON")
    args = p.parse_args(argv)

    def progress(i, n, label):
        print(f"[{i}/{n}] {label} ({time.perf_counter() - start:.0f} s)", file=sys.stderr, flush=True)

    start = time.perf_counter()
    rows, seconds = crosscheck.run([], packages=args.packages, examples=args.examples, seed=args.seed,
                                   progress=progress)
    with open(args.out, "w") as f:
        f.write(crosscheck.markdown(rows, seconds) + "\n")
    if args.json:
        from verify.report import dumps

        with open(args.json, "w") as f:
            f.write(dumps(crosscheck.json_payload(rows, seconds)))
    for line in summary(rows):
        print(line)
    print(f"full run: {len(rows)} rows in {seconds:.1f} s (examples={args.examples}); report: {args.out}")
    print(json.dumps(crosscheck.framework_versions(rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
