#!/usr/bin/env python3
"""diagnose_issues.py: turn measured error types into ranked fixes for the SimDB agent.

As a Ratchet diagnose phase:  diagnose_issues.py --input REQUEST.json --output RESULT.json
By hand:                      diagnose_issues.py --aggregate AGGREGATE.json [--output F]

The knowledge is a table (KNOWLEDGE below): error type -> root cause -> fixes, each fix a list of
actions (`set-pref` on the agent's preferences) that implement_fix.py knows how to apply.
"""
import argparse
import json
import os

from protocol import PhaseError, log, main, read_request, write_json_atomic, write_text_atomic

AGENT = "com.plexapp.agents.simdb"


def set_pref(key, value):
    return {"type": "set-pref", "bundleId": AGENT, "key": key, "value": value}


# In the order the original coordinator tried them: the quick threshold change first, the
# normalisation as its alternative (tried when the first is rolled back).
KNOWLEDGE = {
    "title-mismatch": {
        "rootCause": "titles with punctuation, articles or years score below the match threshold",
        "fixes": [
            {"id": "lower-match-threshold", "name": "Lower the match threshold to 60", "confidence": 0.9,
             "actions": [set_pref("match_threshold", "60")]},
            {"id": "normalize-titles", "name": "Normalise titles before matching", "confidence": 0.8,
             "alternativeOf": "lower-match-threshold", "actions": [set_pref("normalize_titles", "true")]},
        ],
    },
    "http-429": {
        "rootCause": "the provider rate-limits the agent, which does not retry",
        "fixes": [{"id": "retry-on-429", "name": "Retry rate-limited requests 3 times", "confidence": 0.8,
                   "actions": [set_pref("max_retries", "3")]}],
    },
    "http-404": {
        "rootCause": "the agent still calls the provider's moved v2 API",
        "fixes": [{"id": "api-v3", "name": "Use the provider's v3 API", "confidence": 0.7,
                   "actions": [set_pref("api_base_url", "http://api.simdb.example/v3")]}],
    },
}


def priority(share):
    return "HIGH" if share >= 0.1 else "MEDIUM" if share >= 0.02 else "LOW"


def diagnose(aggregate, attempted=()):
    searches = max(aggregate["metrics"].get("searchOps", 0), 1)
    fixes, explained, unexplained = [], [], []
    for error_type in aggregate.get("errorTypes", []):
        knowledge = KNOWLEDGE.get(error_type["id"])
        if knowledge is None:
            unexplained.append(error_type["id"])
            continue
        explained.append({"id": error_type["id"], "count": error_type["count"], "rootCause": knowledge["rootCause"]})
        share = min(len(error_type.get("items", [])) or error_type["count"], searches) / searches
        for fix in knowledge["fixes"]:
            if fix["id"] in attempted:
                continue
            fixes.append({**fix, "priority": priority(share * fix["confidence"]), "targets": [error_type["id"]],
                          "rootCause": knowledge["rootCause"],
                          "expectedImprovement": {"value": fix["confidence"], "basis": f"{error_type['count']} {error_type['id']} errors"}})
    return {"errorTypes": explained, "fixes": fixes, "unexplained": unexplained}


def report(diagnosis):
    lines = ["# Diagnosis (diagnose_issues.py)", "", "| error type | count | root cause |", "| --- | --- | --- |"]
    lines += [f"| {e['id']} | {e['count']} | {e['rootCause']} |" for e in diagnosis["errorTypes"]]
    lines += ["", "Fixes, in the order they will be tried:", ""]
    lines += [f"1. `{f['id']}` ({f['priority']}): {f['name']}" for f in diagnosis["fixes"]]
    if diagnosis["unexplained"]:
        lines += ["", "Not explained: " + ", ".join(diagnosis["unexplained"])]
    return "\n".join(lines) + "\n"


def run():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", help="Ratchet's request file")
    parser.add_argument("--output", help="where to write the result (default: stdout)")
    parser.add_argument("--aggregate", help="an aggregate result (by hand)")
    args = parser.parse_args()
    if args.input:
        request = read_request(args.input, "diagnose")
        diagnosis = diagnose(request["input"]["aggregate"], set(request["input"].get("attemptedFixIds", [])))
        write_json_atomic(os.path.join(request["runDir"], "diagnosis.json"), diagnosis)
        write_text_atomic(os.path.join(request["runDir"], "diagnostic_report.md"), report(diagnosis))
    elif args.aggregate:
        with open(args.aggregate, encoding="utf-8") as f:
            diagnosis = diagnose(json.load(f))
    else:
        parser.error("give --input (as a Ratchet phase) or --aggregate (by hand)")
    log(f"diagnose: {len(diagnosis['fixes'])} fix(es): {', '.join(f['id'] for f in diagnosis['fixes']) or 'none'}")
    if args.output:
        write_json_atomic(args.output, diagnosis)
    else:
        print(json.dumps(diagnosis))


if __name__ == "__main__":
    main(run)
