#!/usr/bin/env python3
"""test_fix_actively.py: make the agent work, re-measure, and decide whether the fix stays.

As a Ratchet test phase:  test_fix_actively.py --input REQUEST.json --output RESULT.json

Options: url (the Plex server), logs (its Logs folder), items (how many to refresh, default all
of section 1 up to 200), timeoutS (default 120), minEffectPct, alpha, criticalMetrics (a
significant rise in one of them rolls the fix back; default none). The token comes from the
PLEX_TOKEN environment variable and is sent as a header only: never in a URL, a file or a log line.
Steps: note the time; PUT /library/metadata/<id>/refresh for each item; wait until /activities is
empty; measure [start, end) with aggregate_plex_logs; compare with the measurement before the fix.
"""
import argparse
import json
import os
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone

from aggregate_plex_logs import aggregate
from compare_metrics import compare
from protocol import PhaseError, log, main, read_request, write_json_atomic, write_text_atomic


def now_iso():
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Plex:
    def __init__(self, url, token):
        self.url, self.token = url.rstrip("/"), token

    def request(self, method, path):
        request = urllib.request.Request(self.url + path, method=method,
                                         headers={"X-Plex-Token": self.token, "Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                body = response.read()
                return json.loads(body) if body.strip().startswith(b"{") else {}
        except urllib.error.HTTPError as error:
            raise PhaseError(f"{method} {path} answered HTTP {error.code}") from None
        except (urllib.error.URLError, OSError) as error:
            raise PhaseError(f"cannot reach the Plex server at {self.url}: {error}") from None

    def item_keys(self, limit):
        container = self.request("GET", f"/library/sections/1/all?X-Plex-Container-Start=0&X-Plex-Container-Size={limit}")
        return [m["ratingKey"] for m in container.get("MediaContainer", {}).get("Metadata", [])][:limit]

    def busy(self):
        return bool(self.request("GET", "/activities").get("MediaContainer", {}).get("Activity"))


def run():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", required=True, help="Ratchet's request file")
    parser.add_argument("--output", required=True, help="where to write the result")
    args = parser.parse_args()
    request = read_request(args.input, "test")
    options, test_input = request["options"], request["input"]
    token = os.environ.get("PLEX_TOKEN")
    if not token:
        raise PhaseError("PLEX_TOKEN is not set: the test needs the server's token in the environment")
    plex = Plex(options["url"], token)

    start = now_iso()
    keys = plex.item_keys(int(options.get("items", 200)))
    for key in keys:
        plex.request("PUT", f"/library/metadata/{key}/refresh")
    deadline = time.monotonic() + float(options.get("timeoutS", 120))
    idle = 0
    while idle < 2:
        idle = 0 if plex.busy() else idle + 1
        if time.monotonic() > deadline:
            log("test: refreshes still running at the timeout; measuring anyway")
            break
        time.sleep(0.3)
    time.sleep(0.5)  # lets the agent write its last lines
    after = aggregate(options["logs"], start, now_iso())
    log(f"test: refreshed {len(keys)} items; {after['metrics']['searchOps']} searches in the window")

    objective = test_input.get("objective") or {}
    metrics = objective.get("metric") or ["errorRecords", "titleMatchFailures"]
    verdict = compare(test_input["before"], after, tuple(metrics if isinstance(metrics, list) else [metrics]),
                      objective.get("per", "searchOps"), float(options.get("minEffectPct", 10)),
                      float(options.get("alpha", 0.05)),
                      critical=tuple(options.get("criticalMetrics", [])))
    result = {**verdict, "after": after, "evidence": {"refreshed": len(keys), "window": after["window"]}}
    write_json_atomic(os.path.join(request["runDir"], "test.json"), result)
    write_text_atomic(os.path.join(request["runDir"], "test_report.md"),
                      f"# Test of {test_input['fix']['id']}\n\n{verdict['rationale']}\n")
    write_json_atomic(args.output, result)
    log(verdict["rationale"])


if __name__ == "__main__":
    main(run)
