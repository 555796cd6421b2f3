#!/usr/bin/env python3
"""compare_metrics.py: compare two measurements and decide KEEP or ROLLBACK.

By hand:   compare_metrics.py --before A.json --after B.json [--metric errorRecords,titleMatchFailures]
                              [--per searchOps] [--min-effect 10] [--alpha 0.05] [--output F]
Imported by test_fix_actively.py (one Python start per test, not two).

The objective is a rate: the sum of the metrics per `per` (errors per search). Given all the
errors of both windows, the number in the "after" window is binomial with the after window's share
of the searches when nothing changed (the exact conditional Poisson test); its two-sided p-value
says whether the change is more than luck. When both measurements list per-item outcomes, the same
items are compared with each other instead (exact McNemar), which needs far fewer items.
"""
import argparse
import json
from math import comb

from protocol import main, write_json_atomic


def binomial_two_sided(k, n, p):
    """Exact two-sided p-value: the probability of outcomes no likelier than k of n."""
    if n == 0:
        return 1.0
    probabilities = [comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(n + 1)]
    observed = probabilities[k] * (1 + 1e-7)
    return min(1.0, sum(q for q in probabilities if q <= observed))


def compare_items(before, after, min_effect_pct, alpha, min_samples):
    """The same items before and after (both measurements list per-item outcomes): exact McNemar
    on fixed (failing before, fine after) against newly broken. None when there are too few."""
    was_ok = {entry["item"]: entry["ok"] for entry in before.get("items") or []}
    pairs = [(was_ok[entry["item"]], entry["ok"]) for entry in after.get("items") or [] if entry["item"] in was_ok]
    if len(pairs) < min_samples:
        return None
    fixed = sum(1 for b, a in pairs if not b and a)
    broken = sum(1 for b, a in pairs if b and not a)
    failing_before = sum(1 for b, _ in pairs if not b)
    failing_after = sum(1 for _, a in pairs if not a)
    p = binomial_two_sided(fixed, fixed + broken, 0.5)
    gain = (failing_before - failing_after) / failing_before * 100 if failing_before else 0.0
    text = (f"exact McNemar on {len(pairs)} items: {fixed} fixed, {broken} newly broken, failing "
            f"{failing_before} -> {failing_after} ({gain:+.1f}%), p = {p:.2g}")
    if fixed > broken and p < alpha and gain >= min_effect_pct:
        return "KEEP", "significant-improvement", text
    if broken > fixed and p < alpha:
        return "ROLLBACK", "significant-regression", text
    return "ROLLBACK", "no-clear-improvement", f"{text} (not a clear improvement of at least {min_effect_pct}% at alpha {alpha})"


def compare(before, after, metrics=("errorRecords", "titleMatchFailures"), per="searchOps",
            min_effect_pct=10.0, alpha=0.05, min_samples=20, critical=()):
    def events(measurement):
        return sum(measurement["metrics"].get(m, 0) for m in metrics)

    b_events, a_events = events(before), events(after)
    b_per, a_per = before["metrics"].get(per, 0), after["metrics"].get(per, 0)
    name = "+".join(metrics)
    if a_per < min_samples or b_per == 0:
        return {"decision": "MONITOR", "rule": "too-few-samples",
                "rationale": f"{a_per} {per} after the fix (minimum {min_samples}): too few to judge"}
    rate_before, rate_after = b_events / b_per, a_events / a_per
    improvement = (rate_before - rate_after) / rate_before * 100 if rate_before else 0.0
    p = binomial_two_sided(a_events, a_events + b_events, a_per / (a_per + b_per))
    numbers = (f"{name} per {per}: {rate_before:.3f} ({b_events}/{b_per}) before, {rate_after:.3f} "
               f"({a_events}/{a_per}) after, {improvement:+.1f}%; exact conditional Poisson p = {p:.2g}")
    # A fix may trade one error for another: lowering a match threshold removes title-match
    # failures but makes wrong matches whose updates fail. A significant rise here undoes the fix.
    for metric in critical:
        b_count, a_count = before["metrics"].get(metric, 0), after["metrics"].get(metric, 0)
        p_metric = binomial_two_sided(a_count, a_count + b_count, a_per / (a_per + b_per))
        if a_count / a_per > b_count / b_per and p_metric < alpha:
            return {"decision": "ROLLBACK", "rule": "critical-metric-regressed",
                    "rationale": (f"ROLLBACK ({metric} rose): {metric} per {per} {b_count / b_per:.3f} -> "
                                  f"{a_count / a_per:.3f}, p = {p_metric:.2g}; objective {numbers}")}
    paired = compare_items(before, after, min_effect_pct, alpha, min_samples)
    if paired is not None:
        decision, rule, text = paired
        return {"decision": decision, "rule": rule, "rationale": f"{decision}: {text}; objective {numbers}"}
    if improvement >= min_effect_pct and p < alpha:
        return {"decision": "KEEP", "rule": "significant-improvement", "rationale": f"KEEP: {numbers}"}
    if improvement < 0 and p < alpha:
        return {"decision": "ROLLBACK", "rule": "significant-regression", "rationale": f"ROLLBACK (worse): {numbers}"}
    return {"decision": "ROLLBACK", "rule": "no-clear-improvement",
            "rationale": f"ROLLBACK (no clear improvement of at least {min_effect_pct}% at alpha {alpha}): {numbers}"}


def run():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True)
    parser.add_argument("--after", required=True)
    parser.add_argument("--metric", default="errorRecords,titleMatchFailures")
    parser.add_argument("--per", default="searchOps")
    parser.add_argument("--min-effect", type=float, default=10.0)
    parser.add_argument("--alpha", type=float, default=0.05)
    parser.add_argument("--critical", default="", help="metrics that must not rise, e.g. exceptions,urlErrors")
    parser.add_argument("--output")
    args = parser.parse_args()
    with open(args.before, encoding="utf-8") as f:
        before = json.load(f)
    with open(args.after, encoding="utf-8") as f:
        after = json.load(f)
    critical = tuple(m for m in args.critical.split(",") if m)
    result = compare(before, after, tuple(args.metric.split(",")), args.per, args.min_effect, args.alpha, critical=critical)
    if args.output:
        write_json_atomic(args.output, result)
    else:
        print(json.dumps(result))


if __name__ == "__main__":
    main(run)
