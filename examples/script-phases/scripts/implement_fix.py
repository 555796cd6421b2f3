#!/usr/bin/env python3
"""implement_fix.py: apply one fix to the agent's preferences and restart it; or roll it back.

As a Ratchet implement phase:  implement_fix.py --input REQUEST.json --output RESULT.json
(the request's "phase" is "implement" or "rollback"; the same command serves both).

Options (`with:` in the config): dataDir (the server's data folder), restart (argv of the restart
command), healthUrl (polled until it answers 200 after the restart). Before changing a file it
copies it into <outDir>/script-backups/<fix id>/; rollback puts those bytes back and restarts.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from xml.sax.saxutils import escape

from protocol import PhaseError, log, main, read_request, write_json_atomic, write_text_atomic


def prefs_file(data_dir, bundle_id):
    if not re.fullmatch(r"[A-Za-z0-9._-]+", bundle_id):
        raise PhaseError(f"bundleId {bundle_id!r} is not a bundle id")
    return os.path.join(data_dir, "Plug-in Support", "Preferences", f"{bundle_id}.xml")


def set_pref(text, key, value):
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
        raise PhaseError(f"key {key!r} is not a preference name")
    element = re.compile(rf"<{key}>[^<]*</{key}>")
    replacement = f"<{key}>{escape(value)}</{key}>"
    if element.search(text):
        return element.sub(lambda _: replacement, text, count=1)
    return text.replace("</PluginPreferences>", f"  {replacement}\n</PluginPreferences>")


def restart(options):
    argv = options.get("restart")
    if not argv:
        return False
    result = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise PhaseError(f"restart command {argv[0]} failed with exit code {result.returncode}: {result.stderr.strip()[-500:]}")
    url, deadline = options.get("healthUrl"), time.monotonic() + 60
    while url:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    break
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise PhaseError(f"the server was not healthy 60 s after the restart ({url.split('?')[0]})")
        time.sleep(0.2)
    return True


def implement(request):
    options, fix = request["options"], request["input"]["fix"]
    backup_dir = os.path.join(request["outDir"], "script-backups", re.sub(r"[^A-Za-z0-9._-]", "_", fix["id"]))
    os.makedirs(backup_dir, exist_ok=True)
    changes, backups = [], {}
    manifest = os.path.join(backup_dir, "manifest.json")
    try:
        for index, action in enumerate(fix.get("actions", [])):
            if action.get("type") != "set-pref":
                raise PhaseError(f"fix {fix['id']}: actions[{index}]: only set-pref is supported, not {action.get('type')!r}")
            path = prefs_file(options["dataDir"], action["bundleId"])
            if path not in backups:
                copy = os.path.join(backup_dir, f"{len(backups)}.xml")
                shutil.copy2(path, copy)
                backups[path] = copy
                # The manifest is written before the file changes, so a rollback always finds it.
                write_json_atomic(manifest, backups)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            write_text_atomic(path, set_pref(text, action["key"], str(action["value"])))
            changes.append({"action": "set-pref", "path": path, "description": f"{action['key']} = {action['value']}"})
        restarted = restart(options)
    except BaseException:
        restore(backup_dir)
        raise
    log(f"implement: {fix['id']}: {len(changes)} change(s), restarted: {restarted}")
    return {"fixId": fix["id"], "changes": changes, "backups": backup_dir, "restarted": restarted}


def restore(backup_dir):
    """Puts back the bytes of every file the manifest lists; safe to run twice."""
    manifest = os.path.join(backup_dir, "manifest.json")
    if not os.path.exists(manifest):
        return 0
    with open(manifest, encoding="utf-8") as f:
        backups = json.load(f)
    for path, copy in backups.items():
        with open(copy, encoding="utf-8") as f:
            write_text_atomic(path, f.read())
    return len(backups)


def rollback(request):
    applied = request["input"]["applied"]
    restored = restore(applied["backups"]) if applied.get("backups") else 0
    restart(request["options"])
    log(f"rollback: {applied['fixId']}: {restored} file(s) restored")


def run():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", required=True, help="Ratchet's request file")
    parser.add_argument("--output", help="where to write the result")
    args = parser.parse_args()
    request = read_request(args.input, ("implement", "rollback"))
    if "dataDir" not in request["options"]:
        raise PhaseError("options.dataDir: the server's data folder is missing")
    if request["phase"] == "rollback":
        rollback(request)
        return
    result = implement(request)
    write_json_atomic(os.path.join(request["runDir"], "implementation.json"), result)
    if args.output:
        write_json_atomic(args.output, result)


if __name__ == "__main__":
    main(run)
