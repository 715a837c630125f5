#!/usr/bin/env bash
# Runs every Go fuzz target in the module for a short time each.
# Usage: scripts/fuzz-all.sh [duration]   (default 10s)
set -euo pipefail
fuzztime="${1:-10s}"
cd "$(dirname "$0")/.."
failed=0
count=0
while IFS= read -r file; do
  pkg="./$(dirname "$file")"
  for target in $(grep -oE '^func (Fuzz[A-Za-z0-9_]+)\(' "$file" | sed -E 's/^func (Fuzz[A-Za-z0-9_]+)\(/\1/'); do
    count=$((count + 1))
    echo "== fuzz $pkg $target ($fuzztime)"
    if ! go test -run='^$' -fuzz="^${target}\$" -fuzztime="$fuzztime" "$pkg"; then
      echo "FAIL: fuzz $pkg $target"
      failed=$((failed + 1))
    fi
  done
done < <(git ls-files '*_test.go' | xargs grep -l '^func Fuzz' | sort)
echo "fuzz: $count targets run, $failed failed"
[ "$failed" -eq 0 ]
