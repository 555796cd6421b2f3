#!/usr/bin/env bash
# Diagnose phase in bash: one HIGH fix per error type seen with a count above zero.
# Prints its result on stdout (no {output} in the command). Usage: diagnose.sh INPUT_JSON
set -euo pipefail
input=$1

fixes=()
while IFS= read -r pair; do
  id=$(sed 's/.*"id": *"\([^"]*\)".*/\1/' <<<"$pair")
  count=$(sed 's/.*"count": *\([0-9]*\).*/\1/' <<<"$pair")
  echo "diagnose.sh: $id seen $count times" >&2
  if [ "$count" -gt 0 ]; then
    fixes+=("{\"id\": \"silence-$id\", \"priority\": \"HIGH\", \"targets\": [\"$id\"]}")
  fi
done < <(tr -d '\n' < "$input" | grep -o '"id": *"[^"]*", *"count": *[0-9]*')

joined=$(IFS=,; echo "${fixes[*]:-}")
echo "{\"fixes\": [${joined}]}"
