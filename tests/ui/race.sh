#!/bin/sh
# tests/ui/race.sh KVSCOPE: race mode in tmux (same helpers as tests/ui/run.sh). Checks that each
# lane of `kvscope race` ends with the numbers of a separate `kvscope run` of its policy, that
# step/back move every lane together, and that `c` in the normal view adds a lane.
set -u
[ $# -eq 1 ] || { echo "usage: $0 KVSCOPE" >&2; exit 2; }
case $1 in /*) kvs=$1 ;; *) kvs=$(pwd)/$1 ;; esac
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
sock=kvs-race-$$
trap 'tmux -L "$sock" kill-server 2>/dev/null' EXIT
tiny="$here/tiny.yaml"
. "$here/lib.sh"
start() {
    s=$1; shift
    T -f /dev/null new-session -d -s "$s" -x 120 -y 40 \
        "cd '$root' && exec env TERM=tmux-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 '$kvs' $*"
    T set-option -t "$s" remain-on-exit on >/dev/null
    wait_for "$s" "? help" 5
}
# row SESSION NAME: the race table's row NAME without the '*' best marks, e.g. "155 85 85".
row() { screen "$1" | sed -n "s/.*|| $2 *\([-*0-9. ]*\)|.*/\1/p" | head -1 | tr -d '*' | tr -s ' ' | sed 's/^ //;s/ $//'; }
total() { "$kvs" run "$2" --policy "$1" --format json | sed -n 's/.*"total_latency": *\([0-9]*\).*/\1/p'; }

# 1. lanes equal separate runs (tiny: fcfs 155, svf 85, sjf 85 -- worked out in tiny.yaml)
start r1 race "$tiny" --policies fcfs,svf,sjf --ascii --no-color --speed 100000
if wait_for r1 "finished" 10; then
    want="$(total fcfs "$tiny") $(total svf "$tiny") $(total sjf "$tiny")"
    got=$(row r1 "total lat")
    [ "$got" = "$want" ] && ok "race lanes' total latency = separate runs ($got)" || bad "race totals '$got' != runs '$want'" r1
    screen r1 | grep -qF "lane 3: mcsf" && screen r1 | grep -qF "lane 1: fcfs" && ok "one lane per policy" || bad "lane titles" r1
    screen r1 | grep -qF "* " && ok "best value marked" || bad "no best mark" r1
else
    bad "race did not finish" r1
fi
T kill-session -t r1 2>/dev/null

# 2. the clock is shared: step and back move all lanes
start r2 race "$tiny" --policies fcfs,svf --ascii --no-color --paused
for _ in 1 2 3 4 5 6 7 8 9 10 11 12; do T send-keys -t r2 Right; done
if wait_for r2 "|| t=12 " 5; then ok "12 steps: race clock t=12"; else bad "race clock after 12 steps" r2; fi
# svf admits y (5+5) and z (10+10) beside big at 0; y finishes at 5, z at 10: 2 done by t=12
[ "$(row r2 completed)" = "0 2" ] && ok "lanes differ as their policies do (completed 0 vs 2)" || bad "completed row '$(row r2 completed)'" r2
T send-keys -t r2 Left Left
if wait_for r2 "|| t=10 " 5; then ok "back twice: t=10 in all lanes"; else bad "back" r2; fi
T kill-session -t r2 2>/dev/null

# 3. `c` in the normal view adds a twin lane
start r3 "$tiny" --ascii --no-color --paused
T send-keys -t r3 c
if wait_for r3 "lane 2:" 5 && screen r3 | grep -qF "race: added lane 2"; then ok "c adds a twin lane"; else bad "c did not add a lane" r3; fi
T kill-session -t r3 2>/dev/null

echo "race: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
