#!/usr/bin/env bash
# Runs every uvu test file under dist/test (compiled from test/), then prints one closing
# line "N passed, N failed" that CI reads. Each file runs in its own process so one file's
# leftover handles or namespaces cannot disturb the next.
set -u
cd "$(dirname "$0")/.."
pass=0; fail=0; failed_files=()
files=$(find dist/test -name '*.test.js' | sort)
[ -n "${TEST_FILTER:-}" ] && files=$(echo "$files" | grep -E "$TEST_FILTER")
for f in $files; do
  out=$(NO_COLOR=1 FORCE_COLOR=0 node node_modules/uvu/bin.js "$(dirname "$f")" "^$(basename "$f")\$" 2>&1); rc=$?
  printf '%s\n' "$out" | grep -v '^\s*$' | sed "s|^|[$(basename "$f" .test.js)] |" | grep -vE '\] +(Duration|Skipped)'
  p=$(printf '%s\n' "$out" | sed -n 's/^ *Passed: *\([0-9]*\).*/\1/p' | tail -1)
  t=$(printf '%s\n' "$out" | sed -n 's/^ *Total: *\([0-9]*\).*/\1/p' | tail -1)
  p=${p:-0}; t=${t:-0}
  pass=$((pass + p)); f_=$((t - p))
  if [ $rc -ne 0 ] && [ $f_ -eq 0 ]; then f_=1; fi
  fail=$((fail + f_))
  [ $f_ -gt 0 ] && failed_files+=("$f")
done
[ ${#failed_files[@]} -gt 0 ] && echo "failed: ${failed_files[*]}"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ] && [ $pass -gt 0 ]
