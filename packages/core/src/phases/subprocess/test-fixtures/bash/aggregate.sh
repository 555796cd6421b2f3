#!/usr/bin/env bash
# Aggregate phase in plain bash: counts log records and ERROR/CRITICAL records in the log file
# named by options.log. Usage: aggregate.sh INPUT_JSON OUTPUT_JSON
set -euo pipefail
input=$1 output=$2

log=$(grep -o '"log": *"[^"]*"' "$input" | sed 's/.*: *"\(.*\)"/\1/')
[ -r "$log" ] || { echo "aggregate.sh: cannot read log file '$log'" >&2; exit 2; }
echo "aggregate.sh: reading $log" >&2

record='^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8},[0-9]{3} '
records=$(grep -cE "$record" "$log" || true)
errors=$(grep -E "$record" "$log" | grep -cE ':  ?(ERROR|CRITICAL) \(' || true)

cat > "$output.tmp" <<JSON
{
  "metrics": { "records": $records, "errorRecords": $errors },
  "errorTypes": [ { "id": "error-record", "count": $errors, "category": "unknown" } ]
}
JSON
mv "$output.tmp" "$output"
