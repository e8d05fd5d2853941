#!/bin/sh
# tests/ui/race.sh KVSCOPE: race mode in tmux (same helpers as tests/ui/run.sh). Checks that each
# lane of `kvscope race` ends with the numbers of a separate `kvscope run` of its policy, that
# step/back move every lane together, that `c` in the normal view adds a lane, that the selected
# request is highlighted in every lane, that the focused lane ([ ] or a click) is the one that
# policy keys change and that the queue and the inspector's story show, and that those keys stay
# fast late in a race on 100 000 requests.
set -u
[ $# -eq 1 ] || { echo "usage: $0 KVSCOPE" >&2; exit 2; }
case $1 in /*) kvs=$1 ;; *) kvs=$(pwd)/$1 ;; esac
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
sock=kvs-race-$$
trap 'tmux -L "$sock" kill-server 2>/dev/null' EXIT
tiny="$here/tiny.yaml"
. "$here/lib.sh"
# start SESSION ARGS...: kvscope in a 120x40 pane; sized SESSION COLS ROWS ARGS...: any size.
sized() {
    s=$1 cols=$2 rows=$3; shift 3
    T -f /dev/null new-session -d -s "$s" -x "$cols" -y "$rows" \
        "cd '$root' && exec env TERM=tmux-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 '$kvs' $*"
    T set-option -t "$s" remain-on-exit on >/dev/null
    wait_for "$s" "? help" 5
}
start() { s=$1; shift; sized "$s" 120 40 "$@"; }
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

# 3. `c` in the normal view adds a twin lane; before that [ and ] only say there is one lane
start r3 "$tiny" --ascii --no-color --paused
T send-keys -t r3 ']'
if wait_for r3 "one lane: c adds a race lane" 5 && ! screen r3 | grep -qF "lane 1:"; then
    ok "outside a race ] only says how to add a lane"
else
    bad "] outside a race" r3
fi
T send-keys -t r3 c
if wait_for r3 "lane 2:" 5 && screen r3 | grep -qF "race: added lane 2"; then ok "c adds a twin lane"; else bad "c did not add a lane" r3; fi
T send-keys -t r3 ']'
if wait_for r3 "lane 2 focused" 5 && screen r3 | grep -qF "> lane 2:"; then ok "] focuses the lane c added"; else bad "] after c" r3; fi
T kill-session -t r3 2>/dev/null

# click SESSION X Y: a mouse click (X10 reports: button 1 press, then release) at a 0-based cell.
click() {
    T send-keys -t "$1" -l "$(printf '\033[M %b%b' "\\0$(printf %o $(($2 + 33)))" "\\0$(printf %o $(($3 + 33)))")"
    T send-keys -t "$1" -l "$(printf '\033[M#%b%b' "\\0$(printf %o $(($2 + 33)))" "\\0$(printf %o $(($3 + 33)))")"
}
# lit SESSION: "LANE CELLS [X Y]" per lane, the cells of each lane's plot drawn in the selected
# request's white (screen.py selected; colour screens only).
lit() { T capture-pane -p -e -t "$1" | python3 "$here/screen.py" selected; }

# 4. the selected request is drawn in every lane (colour, Unicode: the selection is white, 231).
# At t=35 x has run in all three lanes: 30-35 under fcfs, 0-20 under svf and sjf (mcsf).
start r4 race "$tiny" --policies fcfs,svf,sjf --paused
T send-keys -t r4 -N 35 Right
wait_for r4 "stepped to t=35" 5
before=$(lit r4 | awk '{printf "%s:%s ", $1, $2}')
T send-keys -t r4 Tab
if wait_for r4 "selected request x" 5; then
    after=$(lit r4)
    if [ "$before" = "1:0 2:0 3:0 " ] && echo "$after" | awk '$2 == 0 {z = 1} END {exit z || NR != 3}'; then
        ok "selected x is highlighted in all 3 lanes ($(echo "$after" | awk '{printf "lane %s: %s cells; ", $1, $2}')none before)"
    else
        bad "selection in every lane: before '$before', after '$(echo "$after" | tr '\n' ' ')'" r4
    fi
    # A click inside lane 3 focuses it and selects what is drawn there (x, where it was lit).
    set -- $(echo "$after" | awk '$1 == 3 {print $3, $4}')
    T send-keys -t r4 Escape
    wait_for r4 "selection cleared" 5
    if [ $# -eq 2 ]; then
        click r4 "$1" "$2"
        if wait_for r4 "lane 3 focused: mcsf; selected request x" 5 && screen r4 | grep -qF "▶ lane 3: mcsf" &&
           ! screen r4 | grep -qF "▶ lane 1"; then
            ok "a click in lane 3 focuses it (▶ moves there) and selects the request under it"
        else
            bad "a click in lane 3 focuses it and selects x" r4
        fi
    else
        bad "no cell of lane 3 to click on ('$*')" r4
    fi
else
    bad "Tab selects x at t=35" r4
fi
T kill-session -t r4 2>/dev/null

# 5. ] and [ move the focus; a policy key changes the focused lane only
start r5 race "$tiny" --policies fcfs,sjf --ascii --no-color --paused
T send-keys -t r5 Right
wait_for r5 "stepped to t=1" 5
header() { screen "$1" | sed -n 's/.*|| t=[0-9]* *\([^|]*\)|.*/\1/p' | head -1 | tr -s ' ' | sed 's/ $//'; }
if screen r5 | grep -qF "> lane 1: fcfs" && ! screen r5 | grep -qF "> lane 2" && [ "$(header r5)" = ">fcfs mcsf" ]; then
    ok "lane 1 is focused at start (its title and table column marked)"
else
    bad "lane 1 focused at start (table header '$(header r5)')" r5
fi
T send-keys -t r5 ']'
if wait_for r5 "lane 2 focused: mcsf" 5 && screen r5 | grep -qF "> lane 2: mcsf" &&
   ! screen r5 | grep -qF "> lane 1" && [ "$(header r5)" = "fcfs >mcsf" ]; then
    ok "] moves the focus marker to lane 2 (title and table column)"
else
    bad "] focuses lane 2 (table header '$(header r5)')" r5
fi
T send-keys -t r5 3
if wait_for r5 "lane 2: svf from t=1" 5 && screen r5 | grep -qF "> lane 2: svf |" &&
   screen r5 | grep -qF "+- lane 1: fcfs |" && [ "$(screen r5 | grep -c 'svf@1')" = 1 ]; then
    ok "3 switches lane 2 to svf at t=1 (its title, its one switch marker) and leaves lane 1 fcfs"
else
    bad "3 changes lane 2 only" r5
fi
T send-keys -t r5 '['
if wait_for r5 "lane 1 focused: fcfs" 5 && screen r5 | grep -qF "> lane 1: fcfs" && [ "$(header r5)" = ">fcfs svf" ]; then
    T send-keys -t r5 '['
    if wait_for r5 "lane 2 focused: svf" 5; then ok "[ goes back to lane 1, and again wraps to lane 2"; else bad "[ wraps" r5; fi
else
    bad "[ goes back to lane 1" r5
fi
T kill-session -t r5 2>/dev/null

# 6. the queue panel shows the focused lane's queue. At t=1 fcfs keeps x y z behind big (head of
# line); svf ran x, y and z first, and big waits.
start r6 race "$tiny" --policies fcfs,svf --ascii --no-color --paused
T send-keys -t r6 Right
wait_for r6 "stepped to t=1" 5
q1=$(screen r6 | python3 "$here/screen.py" queue | tr '\n' ' ')
T send-keys -t r6 ']'
wait_for r6 "lane 2 focused" 5
q2=$(screen r6 | python3 "$here/screen.py" queue | tr '\n' ' ')
if [ "$q1" = "x y z " ] && [ -n "$q2" ] && [ "${q2%% *}" != x ] && screen r6 | grep -qF "svf order" &&
   screen r6 | grep -qF "${q2%% *} waits (t="; then
    ok "the queue follows the focused lane: lane 1 '$q1', lane 2 '$q2' (and its block reason)"
else
    bad "queue of lane 1 '$q1' vs lane 2 '$q2'" r6
fi
T send-keys -t r6 '['
wait_for r6 "lane 1 focused" 5
q3=$(screen r6 | python3 "$here/screen.py" queue | tr '\n' ' ')
[ "$q3" = "$q1" ] && ok "[ brings lane 1's queue back" || bad "lane 1's queue after [ '$q3'" r6
T kill-session -t r6 2>/dev/null

# 7. the inspector tells the focused lane's story of the selected request, with the numbers of
# `kvscope explain` under that lane's policy (60 rows: room for the whole story).
num() { "$kvs" explain "$tiny" --request x --policy "$1" | sed -n "s/^$2 at \([0-9]*\).*/\1/p"; }
story() { screen "$1" | python3 "$here/screen.py" story 2>/dev/null; }
# has_story SESSION TEXT...: within 5 s the story holds every TEXT
has_story() {
    s_=$1; shift
    n_=250
    while [ $n_ -gt 0 ]; do
        st_=$(story "$s_")
        all_=1
        for want_ in "$@"; do case $st_ in *"$want_"*) ;; *) all_=0 ;; esac; done
        [ $all_ = 1 ] && return 0
        sleep 0.02
        n_=$((n_ - 1))
    done
    return 1
}
sized r7 120 60 race "$tiny" --policies fcfs,svf --ascii --no-color --paused --speed 100000
T send-keys -t r7 Right Tab Tab
if wait_for r7 "selected request x" 5; then
    T send-keys -t r7 Space
    wait_for r7 "finished at t=" 10
    a1=$(num fcfs admitted) f1=$(num fcfs finished) a2=$(num svf admitted) f2=$(num svf finished)
    r1=$(num fcfs arrived)
    if [ -n "$a1" ] && [ "$a1" != "$a2" ] && has_story r7 "arrived at $r1" "admitted at $a1" "finished at $f1"; then
        ok "lane 1's story of x: arrived at $r1, admitted at $a1, finished at $f1, as explain --policy fcfs"
    else
        bad "lane 1's story (explain fcfs: admitted $a1, finished $f1; story '$(story r7)')" r7
    fi
    T send-keys -t r7 ']'
    wait_for r7 "lane 2 focused" 5
    if has_story r7 "admitted at $a2" "finished at $f2" && ! story r7 | grep -qF "admitted at $a1"; then
        ok "after ] the story is lane 2's: admitted at $a2, finished at $f2, as explain --policy svf"
    else
        bad "lane 2's story (explain svf: admitted $a2, finished $f2; story '$(story r7)')" r7
    fi
else
    bad "Tab Tab selects x" r7
fi
T kill-session -t r7 2>/dev/null

# 8. keys stay fast late in a long race: a selection, and a focus change to a lane whose story
# has to be replayed from t = 0, answer within 50 ms of kvscope's CPU time (KVSCOPE_KEY_LOG, as in
# run.sh); the replay goes on a slice per frame. 100 000 requests, paused past t = 50 000.
log=$(mktemp)
T -f /dev/null new-session -d -s r8 -x 120 -y 40 \
    "cd '$root' && exec env KVSCOPE_KEY_LOG='$log' TERM=tmux-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 '$kvs' race '$here/big.yaml' --policies svf,sjf,fcfs --paused --speed 100000 --ascii --no-color"
if wait_for r8 "? help" 10; then
    T send-keys -t r8 Space
    n=100
    while [ $n -gt 0 ] && [ "$(screen r8 | sed -n 's/.*|| t=\([0-9]*\) .*/\1/p' | head -1)" -lt 50000 ] 2>/dev/null; do
        sleep 0.1
        n=$((n - 1))
    done
    T send-keys -t r8 Space
    wait_for r8 "paused at t=" 5
    : > "$log"
    for k in Tab ']' ']' '[' Tab ']'; do T send-keys -t r8 "$k"; sleep 0.3; done
    wait_for r8 "lane 3 focused" 5
    stats=$(python3 -c "
import sys
cpu = sorted(float(l.split()[1]) for l in open(sys.argv[1]) if l.strip())
print(len(cpu), '%.1f' % cpu[len(cpu) // 2] if cpu else -1, '%.1f' % cpu[-1] if cpu else -1)" "$log")
    set -- $stats
    t=$(screen r8 | sed -n 's/.*|| t=\([0-9]*\) .*/\1/p' | head -1)
    if [ "$1" -ge 6 ] && python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < 50 and float(sys.argv[2]) < 100 else 1)" "$2" "$3"; then
        ok "Tab, ] and [ at t=$t on 100000 requests: median $2 ms, slowest $3 ms of CPU per key"
    else
        bad "keys late in a big race ($1 keys at t=$t: median $2 ms, slowest $3 ms; want < 50, < 100)" r8
    fi
else
    bad "race on 100000 requests starts" r8
fi
T kill-session -t r8 2>/dev/null
rm -f "$log"

echo "race: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
