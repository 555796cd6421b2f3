"""The Ratchet subprocess protocol (version 1) for these scripts: read the request, write the result.

Every script takes --input REQUEST.json and --output RESULT.json (Ratchet fills in {input} and
{output}); see docs/writing-a-phase.md. Results are written atomically: a temp file, then rename.
"""
import json
import os
import sys
import tempfile


class PhaseError(Exception):
    """A failure the user can act on: printed on stderr, exit code 1."""


def read_request(path, phase):
    with open(path, encoding="utf-8") as f:
        request = json.load(f)
    if request.get("protocol") != 1:
        raise PhaseError(f"unsupported protocol {request.get('protocol')!r}: this script speaks version 1")
    if phase is not None and request.get("phase") not in (phase if isinstance(phase, tuple) else (phase,)):
        raise PhaseError(f"this script is a {phase} phase, not {request.get('phase')!r}")
    return request


def write_json_atomic(path, value):
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(value, f, indent=2)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


def write_text_atomic(path, text):
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(temp, path)


def log(message):
    print(message, file=sys.stderr, flush=True)


def main(run):
    """Runs `run()`, turning a PhaseError into one clear line on stderr and exit code 1."""
    try:
        run()
    except PhaseError as error:
        log(f"error: {error}")
        sys.exit(1)
