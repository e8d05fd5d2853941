#!/bin/sh
# Insight tests (docs/OPTIMUM.md, docs/RENDER.md), run by `make test` through mk/insight.mk:
#   - `kvscope opt` text on the shipped worst-case scenarios and tests/insight/*.yaml, byte for
#     byte against NAME.opt.expected.txt here (--update rewrites them for review with git diff);
#   - `kvscope render` writes SVG that parses as XML and has exactly one
#     <path class="request" data-request=...> per request, whose ids are the scenario's.
set -u
update=0
if [ "${1:-}" = "--update" ]; then update=1; shift; fi
kvscope=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
scratch=$(mktemp -d "${TMPDIR:-/tmp}/kvscope-insight.XXXXXX") || exit 2
trap 'rm -rf "$scratch"' EXIT INT TERM
pass=0
fail=0

for yaml in "$root/scenarios/worst-fcfs.yaml" "$root/scenarios/worst-sjf.yaml" "$here"/*.yaml; do
    name=$(basename "$yaml" .yaml)
    expected=$here/$name.opt.expected.txt
    (cd "$root" && "$kvscope" opt "${yaml#"$root"/}") >"$scratch/out" 2>"$scratch/err"
    status=$?
    if [ "$update" = 1 ]; then cp "$scratch/out" "$expected"; continue; fi
    if [ "$status" = 0 ] && cmp -s "$expected" "$scratch/out"; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "insight: FAIL opt $name (exit $status)" >&2
        diff -u "$expected" "$scratch/out" | head -n 30 >&2
    fi
done

for yaml in "$root/scenarios/classroom.yaml" "$root/scenarios/worst-sjf.yaml" "$here/pause.yaml"; do
    for policy in svf vllm; do
        svg=$scratch/fig.svg
        if ! "$kvscope" render "$yaml" --policy "$policy" -o "$svg" 2>"$scratch/err"; then
            fail=$((fail + 1))
            echo "insight: FAIL render $yaml --policy $policy" >&2
            head -n 3 "$scratch/err" >&2
            continue
        fi
        if python3 - "$svg" "$yaml" <<'PY'
import re, sys, xml.etree.ElementTree as ET
svg, yaml = sys.argv[1], sys.argv[2]
root = ET.parse(svg).getroot()
ns = '{http://www.w3.org/2000/svg}'
assert root.tag == ns + 'svg', root.tag
paths = [p for p in root.iter(ns + 'path') if p.get('class') == 'request']
ids = [p.get('data-request') for p in paths]
want = re.findall(r'\{id: ([^,]+),', open(yaml).read())
assert ids == want, (len(ids), len(want), ids[:5], want[:5])
assert len([l for l in root.iter(ns + 'line') if l.get('class') == 'budget']) == 1
PY
        then pass=$((pass + 1)); else fail=$((fail + 1)); echo "insight: FAIL svg $yaml $policy" >&2; fi
    done
done
# a window keeps only the requests that hold memory in it: under sjf steps 1-2 are fat1 alone
"$kvscope" render "$root/scenarios/worst-sjf.yaml" --from 0 --to 2 -o "$scratch/w.svg" && \
    [ "$(grep -c 'class="request"' "$scratch/w.svg")" = 1 ] && pass=$((pass + 1)) || {
    fail=$((fail + 1)); echo "insight: FAIL render window" >&2; }

# --switch: the figure marks each switch where it happened, labelled with the new policy, and the
# schedule is the switched one (tests/golden/hand-switch.yaml works it out: y starts at 10)
tiny=$root/tests/ui/tiny.yaml
if "$kvscope" render "$tiny" --switch 10:svf,30:fcfs -o "$scratch/s.svg" 2>"$scratch/err" &&
    python3 - "$scratch/s.svg" <<'PY'
import sys, xml.etree.ElementTree as ET
ns = '{http://www.w3.org/2000/svg}'
root = ET.parse(sys.argv[1]).getroot()
lines = [l for l in root.iter(ns + 'line') if l.get('class') == 'switch']
assert len(lines) == 2, len(lines)
x = [float(l.get('x1')) for l in lines]
assert x[0] < x[1], x
labels = [t.text for t in root.iter(ns + 'text') if t.text in ('svf', 'fcfs')]
assert labels[:2] == ['svf', 'fcfs'], labels
y = [p for p in root.iter(ns + 'path') if p.get('data-request') == 'y'][0]
assert 'start 10, finish 15' in y.find(ns + 'title').text
PY
then pass=$((pass + 1)); else fail=$((fail + 1)); echo "insight: FAIL render --switch" >&2; cat "$scratch/err" >&2; fi
# the decision log and explain follow the same switches
if "$kvscope" run "$tiny" --switch 10:svf --decisions "$scratch/d.jsonl" >/dev/null &&
    python3 - "$scratch/d.jsonl" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
pol = {r['t']: r['policy'] for r in recs}
assert pol[0] == 'fcfs' and pol[10] == 'svf', pol
adm = [r for r in recs if r['t'] == 10][0]
assert [a if isinstance(a, str) else a.get('id') for a in adm['admitted']] == ['y', 'z'], adm
PY
then pass=$((pass + 1)); else fail=$((fail + 1)); echo "insight: FAIL run --switch --decisions" >&2; fi
if "$kvscope" explain "$tiny" --request y --switch 10:svf >"$scratch/x.txt" &&
    grep -q "then svf (lookahead, exact) from 10" "$scratch/x.txt" &&
    grep -q "^admitted at 10" "$scratch/x.txt"; then
    pass=$((pass + 1))
else
    fail=$((fail + 1)); echo "insight: FAIL explain --switch" >&2; cat "$scratch/x.txt" >&2
fi

[ "$update" = 1 ] && { echo "insight: expected files rewritten; review with git diff"; exit 0; }
echo "insight: $pass passed, $fail failed"
[ "$fail" = 0 ]
