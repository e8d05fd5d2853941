#!/bin/sh
# Run each CMocka test binary; fail if any fails. Prints one summary line the CI can read.
set -u
pass=0; fail=0
for t in "$@"; do
    if "$t"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAILED: $t" >&2; fi
done
echo "unit test binaries: $pass passed, $fail failed"
[ "$fail" = 0 ]
