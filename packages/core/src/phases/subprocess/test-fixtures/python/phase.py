#!/usr/bin/env python3
"""All four Ratchet phases in one Python script (subprocess protocol version 1).

Usage: phase.py INPUT_JSON OUTPUT_JSON. The request's "phase" field says what to do.
  aggregate  counts records per level and groups ERROR/CRITICAL records by (module:line) in options.log
  diagnose   proposes one fix per error type, HIGH when seen at least options.highAt times
  implement  sets a key in the JSON file options.file, keeping the previous bytes in runDir
  rollback   restores those bytes
  test       KEEP when the key now holds the fix's value, else ROLLBACK
"""
import json
import os
import re
import sys

RECORD = re.compile(
    r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3} \((-?[0-9a-fA-F]+)\) :  ?([A-Z]+) \(([^)]*)\) - "
)


def aggregate(request):
    metrics = {"records": 0, "errorRecords": 0}
    types = {}
    with open(request["options"]["log"], encoding="utf-8", errors="replace") as log:
        for line in log:
            match = RECORD.match(line)
            if not match:
                continue
            metrics["records"] += 1
            level, where = match.group(2), match.group(3)
            if level in ("ERROR", "CRITICAL"):
                metrics["errorRecords"] += 1
                entry = types.setdefault(where, {"id": f"error:{where}", "count": 0, "examples": []})
                entry["count"] += 1
                if len(entry["examples"]) < 3:
                    entry["examples"].append(line.rstrip("\n"))
    print(f"phase.py: {metrics['records']} records", file=sys.stderr)
    return {"metrics": metrics, "errorTypes": list(types.values())}


def diagnose(request):
    high_at = request["options"].get("highAt", 2)
    fixes = []
    for error_type in request["input"]["aggregate"]["errorTypes"]:
        priority = "HIGH" if error_type["count"] >= high_at else "LOW"
        fixes.append({
            "id": f"fix-{error_type['id']}",
            "name": f"Fix {error_type['id']}",
            "priority": priority,
            "targets": [error_type["id"]],
            "actions": [{"type": "json-set", "path": "retries", "value": 3}],
        })
    return {"fixes": fixes}


def backup_path(request):
    return os.path.join(request["runDir"], "settings.json.bak")


def implement(request):
    fix = request["input"]["fix"]
    target = request["options"]["file"]
    with open(target, "rb") as f:
        before = f.read()
    with open(backup_path(request), "wb") as f:
        f.write(before)
    settings = json.loads(before)
    for action in fix["actions"]:
        settings[action["path"]] = action["value"]
    with open(target + ".tmp", "w") as f:
        json.dump(settings, f)
    os.replace(target + ".tmp", target)
    return {"fixId": fix["id"], "changes": [{"action": "json-set", "path": target}]}


def rollback(request):
    target = request["options"]["file"]
    os.replace(backup_path(request), target)
    print(f"phase.py: restored {target}", file=sys.stderr)


def test(request):
    fix = request["input"]["fix"]
    with open(request["options"]["file"]) as f:
        settings = json.load(f)
    ok = all(settings.get(a["path"]) == a["value"] for a in fix["actions"])
    return {
        "decision": "KEEP" if ok else "ROLLBACK",
        "rationale": f"{len(fix['actions'])} setting(s) checked",
        "after": {"metrics": {"settingsChecked": len(fix["actions"])}},
    }


def main():
    input_path, output_path = sys.argv[1], sys.argv[2]
    with open(input_path) as f:
        request = json.load(f)
    if request["protocol"] != 1:
        sys.exit(f"phase.py speaks protocol 1, got {request['protocol']}")
    handler = {"aggregate": aggregate, "diagnose": diagnose, "implement": implement,
               "rollback": rollback, "test": test}[request["phase"]]
    result = handler(request)
    if result is not None:
        with open(output_path + ".tmp", "w") as f:
            json.dump(result, f)
        os.replace(output_path + ".tmp", output_path)


if __name__ == "__main__":
    main()
