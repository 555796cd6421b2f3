#!/usr/bin/env bash
# Test phase in bash: KEEP when the file named by options.file holds the applied fix's line,
# ROLLBACK otherwise. Usage: test.sh INPUT_JSON OUTPUT_JSON
set -euo pipefail
input=$1 output=$2

flat=$(tr -d '\n' < "$input")
target=$(grep -o '"file": *"[^"]*"' <<<"$flat" | head -n1 | sed 's/.*: *"\(.*\)"/\1/')
fix_id=$(grep -o '"applied": *{ *"fixId": *"[^"]*"' <<<"$flat" | sed 's/.*"fixId": *"\(.*\)"/\1/')

if grep -qx "applied $fix_id" "$target"; then
  decision=KEEP rationale="$target holds the line for $fix_id"
else
  decision=ROLLBACK rationale="$target lacks the line for $fix_id"
fi
echo "test.sh: $decision" >&2
printf '{"decision": "%s", "rationale": "%s"}\n' "$decision" "$rationale" > "$output"
