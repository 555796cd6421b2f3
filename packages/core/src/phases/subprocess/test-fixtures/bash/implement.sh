#!/usr/bin/env bash
# Implement phase in bash: appends "applied <fixId>" to the file named by options.file, after
# copying it to <runDir>/<file>.bak; phase "rollback" puts the copy back.
# Usage: implement.sh INPUT_JSON OUTPUT_JSON
set -euo pipefail
input=$1 output=$2

field() { tr -d '\n' < "$input" | grep -o "\"$1\": *\"[^\"]*\"" | head -n1 | sed 's/.*: *"\(.*\)"/\1/'; }
phase=$(field phase)
run_dir=$(field runDir)
target=$(field file)
backup="$run_dir/$(basename "$target").bak"

case "$phase" in
  implement)
    fix_id=$(tr -d '\n' < "$input" | grep -o '"fix": *{ *"id": *"[^"]*"' | sed 's/.*"id": *"\(.*\)"/\1/')
    cp "$target" "$backup"
    echo "applied $fix_id" >> "$target"
    echo "implement.sh: applied $fix_id to $target" >&2
    printf '{"fixId": "%s", "changes": [{"action": "edit", "path": "%s"}], "backups": "%s"}\n' \
      "$fix_id" "$target" "$run_dir" > "$output"
    ;;
  rollback)
    mv "$backup" "$target"
    echo "implement.sh: restored $target" >&2
    ;;
  *)
    echo "implement.sh: unexpected phase '$phase'" >&2
    exit 2
    ;;
esac
