#!/usr/bin/env python3
"""aggregate_plex_logs.py: measure Plex metadata agents from their plug-in logs.

As a Ratchet aggregate phase:   aggregate_plex_logs.py --input REQUEST.json --output RESULT.json
By hand:                        aggregate_plex_logs.py --logs LOGS_DIR [--since ISO] [--output F]

Reads `<logs>/PMS Plugin Logs/<bundle id>.log` and its rotations (.log.5 ... .log.1, oldest first),
line by line (memory does not grow with the log), and counts searches, title-match failures, URL
errors, exceptions and ERROR records in a time window. Records are attributed to the search on the
same thread, which gives per-item outcomes for paired before/after comparisons.
"""
import argparse
import os
import re
from datetime import datetime

from protocol import PhaseError, log, main, read_request, write_json_atomic, write_text_atomic

RECORD = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) \((-?[0-9a-f]+)\) :  ?([A-Z]+) \(([^)]*)\) - (.*)$")
SEARCH_ID = re.compile(r"^Searching for matches for \{.*'id': '([^']+)'")
HTTP_TAIL = re.compile(r"^HTTPError: HTTP Error (\d+)")
MAX_ITEMS = 100_000


def plex_time(iso):
    """An ISO time (with a zone) as a Plex log timestamp in local time, for string comparison."""
    if not iso:
        return None
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone()
    return moment.strftime("%Y-%m-%d %H:%M:%S,") + f"{moment.microsecond // 1000:03d}"


def log_files(logs_dir):
    folder = logs_dir
    if os.path.isdir(os.path.join(logs_dir, "PMS Plugin Logs")):
        folder = os.path.join(logs_dir, "PMS Plugin Logs")
    if not os.path.isdir(folder):
        raise PhaseError(f"logs: {logs_dir} is not a folder")

    def age(name):
        rotation = name.rsplit(".log", 1)[1].lstrip(".")
        return -(int(rotation) if rotation.isdigit() else 0)

    names = [n for n in os.listdir(folder) if re.search(r"\.log(\.\d+)?$", n)]
    return [os.path.join(folder, n) for n in sorted(names, key=lambda n: (n.split(".log")[0], age(n)))]


def aggregate(logs_dir, start=None, end=None):
    """Measures the window [start, end) (ISO times); returns an AggregateResult as a dict."""
    low, high = plex_time(start), plex_time(end)
    metrics = dict(records=0, searchOps=0, titleMatchFailures=0, urlErrors=0, exceptions=0, errorRecords=0)
    error_types = {}
    items = {}
    item_of_thread = {}
    last_thread = None
    files = log_files(logs_dir)

    def note_error(type_id, category, thread, line):
        entry = error_types.setdefault(type_id, {"id": type_id, "category": category, "count": 0, "examples": [], "items": []})
        entry["count"] += 1
        if len(entry["examples"]) < 3:
            entry["examples"].append(line[:2000])
        item = item_of_thread.get(thread)
        if item is not None:
            items[item] = False
            if item not in entry["items"] and len(entry["items"]) < 200:
                entry["items"].append(item)

    for path in files:
        with open(path, encoding="utf-8", errors="replace") as f:
            in_window = False
            for raw in f:
                line = raw.rstrip("\r\n")
                match = RECORD.match(line)
                if not match:
                    # A continuation line (traceback); its tail names the HTTP status.
                    tail = HTTP_TAIL.match(line)
                    if tail and in_window:
                        note_error(f"http-{tail.group(1)}", "http-error", last_thread, line)
                    continue
                stamp, thread, level, _, message = match.groups()
                in_window = (low is None or stamp >= low) and (high is None or stamp < high)
                last_thread = thread
                if not in_window:
                    continue
                metrics["records"] += 1
                search = SEARCH_ID.match(message)
                if search:
                    metrics["searchOps"] += 1
                    item_of_thread[thread] = search.group(1)
                    if search.group(1) not in items and len(items) < MAX_ITEMS:
                        items[search.group(1)] = True
                if message.endswith("(most recent call last):"):
                    metrics["exceptions"] += 1
                if message.startswith("Error opening URL"):
                    metrics["urlErrors"] += 1
                if level not in ("ERROR", "CRITICAL"):
                    continue
                metrics["errorRecords"] += 1
                if "below the match threshold" in message or "No acceptable match" in message:
                    metrics["titleMatchFailures"] += 1
                    note_error("title-mismatch", "title-mismatch", thread, line)
                elif message.startswith("Cannot read model from") or message.startswith("Exception deserializing"):
                    note_error("model-read", "model-read", thread, line)
                elif not message.startswith("Error opening URL") and not message.startswith("Exception in"):
                    note_error("other-error", "unknown", thread, line)

    return {
        "window": {k: v for k, v in (("start", start), ("end", end)) if v},
        "files": [{"path": p} for p in files],
        "metrics": metrics,
        "errorTypes": sorted(error_types.values(), key=lambda e: -e["count"]),
        "items": [{"item": k, "ok": v} for k, v in items.items()],
    }


def markdown(result):
    lines = ["# Measurement (aggregate_plex_logs.py)", ""]
    lines += [f"- {name}: {value}" for name, value in result["metrics"].items()]
    lines += ["", "| error type | count |", "| --- | --- |"]
    lines += [f"| {e['id']} | {e['count']} |" for e in result["errorTypes"]]
    return "\n".join(lines) + "\n"


def run():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", help="Ratchet's request file")
    parser.add_argument("--output", help="where to write the result (default: stdout)")
    parser.add_argument("--logs", help="the server's Logs folder (by hand)")
    parser.add_argument("--since", help="ISO start of the window (by hand)")
    args = parser.parse_args()
    if args.input:
        request = read_request(args.input, "aggregate")
        options, window = request["options"], request["input"].get("window") or {}
        if "logs" not in options:
            raise PhaseError("options.logs: the Logs folder is missing (with: { logs: ... } in the config)")
        result = aggregate(options["logs"], window.get("start"), window.get("end"))
        if request["input"].get("purpose") != "test":
            write_json_atomic(os.path.join(request["runDir"], "aggregate.json"), result)
            write_text_atomic(os.path.join(request["runDir"], "aggregate.md"), markdown(result))
    elif args.logs:
        result = aggregate(args.logs, args.since)
    else:
        parser.error("give --input (as a Ratchet phase) or --logs (by hand)")
    log(f"aggregate: {result['metrics']['searchOps']} searches, {result['metrics']['errorRecords']} error records")
    if args.output:
        write_json_atomic(args.output, result)
    else:
        import json
        print(json.dumps(result))


if __name__ == "__main__":
    main(run)
