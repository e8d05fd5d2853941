#!/bin/sh
# tests/ui/run.sh KVSCOPE: drive the real kvscope in tmux (a private server, no user config) and
# check what is on the screen. Waits poll the screen with a timeout instead of sleeping, so the
# suite is as fast as the machine allows. Prints "ui: N passed, M failed"; non-zero on failure.
set -u
[ $# -eq 1 ] || { echo "usage: $0 KVSCOPE" >&2; exit 2; }
case $1 in /*) kvs=$1 ;; *) kvs=$(pwd)/$1 ;; esac
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
for tool in tmux python3; do
    command -v "$tool" >/dev/null 2>&1 || { echo "ui: $tool is missing (sh scripts/deps.sh test)" >&2; exit 1; }
done
sock=kvs-test-$$
tmp=$(mktemp -d)
trap 'tmux -L "$sock" kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
tiny="$here/tiny.yaml"
. "$here/lib.sh"

# start SESSION ARGS...: kvscope alone in a 120x40 pane, ASCII and no colour so that the screen
# text says everything.
start() {
    s=$1
    shift
    rm -f "$tmp/$s.status"
    T -f /dev/null new-session -d -s "$s" -x 120 -y 40 \
        "cd '$root' && env TERM=tmux-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 '$kvs' $*; echo \$? > '$tmp/$s.status'"
    T set-option -t "$s" remain-on-exit on >/dev/null
    wait_for "$s" "? help" 5
}

# alive SESSION: kvscope (started by start) has not exited.
alive() { [ ! -e "$tmp/$1.status" ] && [ "$(T display -p -t "$1" '#{pane_dead}')" = 0 ]; }

# exit_status SESSION: kvscope's exit status in a session made by start (waits up to 5 s). The
# shell around kvscope writes it to a file: tmux may mark a pane dead before it has reaped the
# process, and then its #{pane_dead_status} is still empty.
exit_status() {
    n=250
    while [ $n -gt 0 ] && [ ! -s "$tmp/$1.status" ]; do sleep 0.02; n=$((n - 1)); done
    cat "$tmp/$1.status" 2>/dev/null || echo none
}

# shell SESSION: an interactive sh in a pane, to check that the terminal works after kvscope.
shell() {
    T -f /dev/null new-session -d -s "$1" -x 120 -y 40 "cd '$root' && env PS1='$ ' TERM=tmux-256color LANG=C.UTF-8 sh -i"
    wait_for "$1" '$' 5
}

# restored SESSION: the pane is back in the normal screen, cursor shown, mouse and keypad off.
restored() {
    st=$(T display -p -t "$1" '#{alternate_on}#{cursor_flag}#{mouse_any_flag}')
    [ "$st" = "010" ]
}

stop() { T kill-session -t "$1" 2>/dev/null; }

# kvs_pid SESSION: the kvscope started from the pane's shell.
kvs_pid() {
    sh_pid=$(T display -p -t "$1" '#{pane_pid}')
    for p in $(pgrep -P "$sh_pid"); do
        case $(cat "/proc/$p/comm" 2>/dev/null) in kvscope*) echo "$p"; return 0 ;; esac
    done
    return 1
}

# ---- stepping, the clock and the picture ----
s=step
if start $s "'$tiny' --paused --ascii --no-color"; then
    ok "starts paused at t=0 on the tiny scenario"
else
    bad "starts paused at t=0 on the tiny scenario" $s
fi

T send-keys -t $s -N 10 Right
if wait_for $s "stepped to t=10" && screen $s | grep -q "t=10 " && screen $s | grep -q "memory *70 / 100"; then
    ok "ten steps: t=10 and memory 70 / 100 (big alone holds 60 + 10)"
else
    bad "ten steps: t=10 and memory 70 / 100" $s
fi

# The live distance to the optimum (docs/OPTIMUM.md), by hand on tiny.yaml: the per-rank bounds
# are L = 5, 10, 20, 33 (SRPT at speed 100 on volumes 40, 155, 810, 2265 finishes at 1, 2, 11,
# 33; a + o sorted 5, 10, 20, 30), so LB = 68 and by t = 10 any schedule has accrued at least
# 5 + 10 + 10 + 10 = 35; fcfs has accrued 4 requests x 10 steps = 40: x1.14.
if screen $s | grep -q "vs LB *x1.14 so far | LB 68"; then
    ok "live ratio at t=10: 40 accrued / 35 least possible = x1.14 so far, LB 68"
else
    bad "live ratio at t=10: x1.14 so far, LB 68" $s
fi

if out=$(screen $s | python3 "$here/screen.py" height 70 100); then
    ok "canvas: the column of step 10 is stacked to 70 of 100 tokens"
else
    bad "canvas: the column of step 10 is stacked to 70 of 100 tokens ($out)" $s
fi

T send-keys -t $s Left
if wait_for $s "back to t=9" && screen $s | grep -q "t=9 " && screen $s | grep -q "memory *69 / 100"; then
    ok "Left steps back exactly one (t=9, memory 69)"
else
    bad "Left steps back exactly one" $s
fi

T send-keys -t $s Right
if wait_for $s "stepped to t=10" && screen $s | grep -q "memory *70 / 100"; then
    ok "Right steps forward exactly one (t=10 again)"
else
    bad "Right steps forward exactly one" $s
fi

T send-keys -t $s -N 10 Left
if wait_for $s "back to t=0" && screen $s | grep -q "t=0 "; then
    T send-keys -t $s Left
    if wait_for $s "already at t=0"; then
        ok "stepping back reaches t=0 and stops there"
    else
        bad "stepping back stops at t=0" $s
    fi
else
    bad "stepping back reaches t=0" $s
fi

# Space runs, Space pauses; the clock moves in between.
T send-keys -t $s Space
wait_for $s "running at" 3
sleep 0.3
T send-keys -t $s Space
if wait_for $s "paused at t=" && ! screen $s | grep -q "t=0 "; then
    ok "Space runs and pauses (the clock moved)"
else
    bad "Space runs and pauses" $s
fi

# At the end the live ratio is the report's: total latency / lower bound (155 / 68 for fcfs).
want=$("$kvs" run "$tiny" --format json | python3 -c 'import json,sys; print("%.2f" % json.load(sys.stdin)["summary"]["ratio_to_lower_bound"])')
T send-keys -t $s + + + + + + + + Space
if wait_for $s "finished at t=" 10 && screen $s | grep -q "vs LB *x$want | LB 68"; then
    ok "at the end the counters' ratio is the report's (x$want)"
else
    bad "at the end the counters' ratio is the report's (x$want)" $s
fi
stop $s

# ---- --switch plans a switch: it happens when the clock passes it, replays after stepping
# back, and 'r' replays the lesson while no key has replaced the plan (tests/golden/hand-switch.yaml
# works the schedule out: at t = 10 svf admits y and z beside big) ----
s=plan
start $s "'$tiny' --switch 10:svf --paused --ascii --no-color" >/dev/null
if wait_for $s "planned: svf@10" && screen $s | grep -q "| fcfs |"; then
    ok "--switch: the start says what is planned and fcfs runs first"
else
    bad "--switch: the start says what is planned" $s
fi
T send-keys -t $s -N 12 Right
# step 12: big 60 + 12, y 5 + 2, z 10 + 2 = 91
if wait_for $s "stepped to t=12" && screen $s | grep -q "| svf |" && screen $s | grep -q "svf@10" &&
    screen $s | grep -q "memory *91 / 100"; then
    ok "--switch 10:svf: at t=12 svf runs, the marker is drawn, memory 91 (y and z joined at 10)"
else
    bad "--switch 10:svf: at t=12 svf runs with memory 91" $s
fi
T send-keys -t $s -N 4 Left
if wait_for $s "back to t=8" && screen $s | grep -q "| fcfs |" && ! screen $s | grep -q "svf@10"; then
    T send-keys -t $s -N 4 Right
    if wait_for $s "stepped to t=12" && screen $s | grep -q "memory *91 / 100"; then
        ok "--switch: stepping back before the switch and forward again replays it"
    else
        bad "--switch: forward again replays the switch" $s
    fi
else
    bad "--switch: stepping back before the switch shows fcfs" $s
fi
T send-keys -t $s r
if wait_for $s "restarted at t=0 with fcfs, planned: svf@10"; then
    ok "r with the plan intact replays the lesson from fcfs"
else
    bad "r with the plan intact replays the lesson from fcfs" $s
fi
T send-keys -t $s Right Right 4
wait_for $s "spf"
T send-keys -t $s r
if wait_for $s "restarted at t=0 with spf" && ! screen $s | grep -q "planned"; then
    ok "a key switch replaces the plan: r restarts with the current policy, nothing planned"
else
    bad "a key switch replaces the plan" $s
fi
stop $s

# ---- the inspector fits a 40-column panel (a 120-column terminal): long-1 of the classroom
# waits at t=300 under svf (prompt 700, output 600: volume 700*600 + 600*601/2 = 600 300) ----
s=narrow
start $s "scenarios/classroom.yaml --paused --ascii --no-color" >/dev/null
T send-keys -t $s -N 300 Right
wait_for $s "stepped to t=300" 10
T send-keys -t $s Tab Tab Tab
if wait_for $s "request long-1" && screen $s | grep -q "size     prompt 700 out 600 vol 600k" &&
    screen $s | grep -q "holds    none: waiting, rebuilds 700"; then
    ok "a 40-column inspector shows whole values (prompt 700 out 600 vol 600k, rebuilds 700)"
else
    bad "a 40-column inspector shows whole values" $s
fi
stop $s

# ---- a policy switch reorders the queue and is marked on the time axis ----
s=switch
start $s "'$tiny' --paused --ascii --no-color" >/dev/null
T send-keys -t $s Right
wait_for $s "stepped to t=1"
before=$(screen $s | python3 "$here/screen.py" queue | tr '\n' ' ')
if [ "$before" = "x y z " ]; then
    ok "fcfs queue order: x y z"
else
    bad "fcfs queue order: x y z (got '$before')" $s
fi
T send-keys -t $s 3
if wait_for $s "switched to svf at t=1"; then
    after=$(screen $s | python3 "$here/screen.py" queue | tr '\n' ' ')
    if [ "$after" = "y z x " ]; then
        ok "after '3' (svf) the queue is in volume order: y z x"
    else
        bad "svf queue order: y z x (got '$after')" $s
    fi
else
    bad "'3' switches to svf" $s
fi
T send-keys -t $s -N 5 Right
if wait_for $s "stepped to t=6" && screen $s | grep -q "svf@1" && screen $s | grep -q "svf | lookahead | exact"; then
    ok "the switch is marked 'svf@1' on the canvas and shown in the counters"
else
    bad "the switch marker 'svf@1'" $s
fi
T send-keys -t $s i i i
if wait_for $s "switched to none" && screen $s | grep -q "admission lookahead -> current"; then
    ok "'i' to information none says what it repaired (admission -> current, policy -> fcfs)"
else
    bad "'i' to none reports the repair" $s
fi
T send-keys -t $s a
if wait_for $s "refused:"; then
    ok "'a' refuses lookahead while information is none"
else
    bad "'a' refuses lookahead with information none" $s
fi
stop $s

# ---- help, views, resize ----
s=misc
start $s "'$tiny' --paused --ascii --no-color" >/dev/null
T send-keys -t $s '?'
if wait_for $s "any key closes"; then
    T send-keys -t $s x
    if wait_gone $s "any key closes"; then ok "? opens the help and a key closes it"; else bad "help closes" $s; fi
else
    bad "? opens the help" $s
fi
T send-keys -t $s -N 12 Right
wait_for $s "stepped to t=12"
T send-keys -t $s v
if wait_for $s "lanes 1-1 of 1"; then ok "v shows lanes (one per request)"; else bad "v shows lanes" $s; fi
T send-keys -t $s Tab
if wait_for $s "selected request big" && wait_for $s "request big | running"; then
    ok "Tab selects the running request and the inspector shows it"
else
    bad "Tab selects a request" $s
fi
T send-keys -t $s Escape v
wait_for $s "stacked:"
# Clicks, as the X10 mouse reports a terminal sends (button 1 press, then release).
click() { # SESSION X Y (0-based screen cell)
    T send-keys -t "$1" -l "$(printf '\033[M %b%b' "\\0$(printf %o $(($2 + 33)))" "\\0$(printf %o $(($3 + 33)))")"
    T send-keys -t "$1" -l "$(printf '\033[M#%b%b' "\\0$(printf %o $(($2 + 33)))" "\\0$(printf %o $(($3 + 33)))")"
}
set -- $(screen $s | python3 "$here/screen.py" queue-rows | sed -n 2p)
if [ "${2:-}" = y ]; then
    click $s 100 "$1"
    if wait_for $s "selected request y" && wait_for $s "request y | waiting"; then
        ok "a click on a queue row selects that request"
    else
        bad "a click on a queue row selects that request" $s
    fi
else
    bad "the queue's second row is y (got '$*')" $s
fi
click $s 10 30
if wait_for $s "selected request big"; then ok "a click on a band selects its request"; else bad "a click on a band selects it" $s; fi
T send-keys -t $s Escape
wait_for $s "selection cleared"
T resize-window -t $s -x 40 -y 12
if wait_for $s "terminal too small: 40x12" && wait_for $s "at least 64x18"; then
    ok "at 40x12 it says the terminal is too small and what it needs"
else
    bad "too-small message at 40x12" $s
fi
T resize-window -t $s -x 120 -y 40
if wait_for $s "budget M = 100" && alive $s; then
    ok "back to 120x40 it draws again (no crash)"
else
    bad "redraw after resize" $s
fi
for size in "64 18" "100 30" "300 100" "1 1" "90 50"; do
    set -- $size
    T resize-window -t $s -x "$1" -y "$2"
    sleep 0.05
done
T resize-window -t $s -x 120 -y 40
if wait_for $s "budget M = 100" && alive $s; then
    ok "survives a series of resizes (64x18, 100x30, 300x100, 1x1, 90x50)"
else
    bad "survives a series of resizes" $s
fi
stop $s

# ---- the inspector tells a finished request's story with the numbers of `kvscope explain` ----
# head-of-line: `long` arrives at 1 and waits behind `medium` (fcfs, lookahead). The pane is 60
# rows tall so that the inspector has room for the whole story.
s=story
hol=scenarios/head-of-line.yaml
start $s "$hol --paused --speed 100000 --ascii --no-color" >/dev/null
T resize-window -t $s -x 120 -y 60
T send-keys -t $s Right Right
wait_for $s "stepped to t=2"
T send-keys -t $s Tab Tab
if wait_for $s "selected request long (waiting)"; then
    T send-keys -t $s Space
    wait_for $s "finished at t=" 10
    explain=$("$kvs" explain "$root/$hol" --request long)
    at() { echo "$explain" | sed -n "s/^$1 at \([0-9]*\).*/\1/p"; }
    arr=$(at arrived) adm=$(at admitted) fin=$(at finished)
    told=$(screen $s | python3 "$here/screen.py" story 2>&1)
    case $told in
    *"arrived at $arr"*"admitted at $adm "*"finished at $fin:"*)
        if [ -n "$arr" ] && [ -n "$adm" ] && [ -n "$fin" ]; then
            ok "the inspector's story of long agrees with explain: arrived at $arr, admitted at $adm, finished at $fin"
        else
            bad "explain gave no numbers for long: '$explain'" $s
        fi ;;
    *) bad "story of long '$told' vs explain (arrived $arr, admitted $adm, finished $fin)" $s ;;
    esac
else
    bad "Tab Tab selects long at t=2" $s
fi
stop $s

# ---- a thousand random keys, clicks and resizes on the default scenario: still alive ----
s=monkey
if start $s "--paused"; then
    python3 - "$sock" "$s" <<'EOF2'
import random, subprocess, sys
sock, s = sys.argv[1], sys.argv[2]
rng = random.Random(20240611)
keys = ["Space", "Right", "Left", "l", "h", "+", "-", "p", "P", "a", "i", "v", "z", "Z", "f",
        "PgUp", "PgDn", "Home", "End", "Tab", "BTab", "Escape", "Up", "Down", "j", "k", "r",
        "?", "F1", "C-l", "x", "1", "2", "3", "4", "5", "6", "7"]
def tmux(*a):
    subprocess.run(["tmux", "-L", sock] + list(a), capture_output=True)
for i in range(1000):
    roll = rng.random()
    if roll < 0.02:
        tmux("resize-window", "-t", s, "-x", str(rng.randint(1, 220)), "-y", str(rng.randint(1, 70)))
    elif roll < 0.12:
        b = rng.choice([0, 64, 65])  # click, wheel up, wheel down
        x, y = rng.randint(0, 119), rng.randint(0, 39)
        tmux("send-keys", "-t", s, "-l", "\x1b[M" + chr(32 + b) + chr(33 + x) + chr(33 + y))
        tmux("send-keys", "-t", s, "-l", "\x1b[M#" + chr(33 + x) + chr(33 + y))
    else:
        tmux("send-keys", "-t", s, rng.choice(keys))
tmux("resize-window", "-t", s, "-x", "120", "-y", "40")
EOF2
    # Close the help if the last keys left it open, then ask for a known status.
    T send-keys -t $s Escape Escape
    sleep 0.2
    if alive $s && T send-keys -t $s 1 && wait_for $s "fcfs"; then
        T send-keys -t $s q
        st=$(exit_status $s)
        if [ "$st" = 0 ]; then
            ok "1000 random keys, clicks and resizes: still answering, q exits 0"
        else
            bad "after random input q exits 0 (exit status: $st)" $s
        fi
    else
        bad "alive after 1000 random keys, clicks and resizes" $s
    fi
else
    bad "starts on the default scenario" $s
fi
stop $s

# ---- leaving: q, SIGTERM, SIGINT and a crash all give the terminal back ----
s=quit
shell $s
T send-keys -t $s "'$kvs' '$tiny' --paused; echo \"exit=\$?\"" Enter
if wait_for $s "? help"; then
    T send-keys -t $s q
    if wait_for $s "exit=0" && restored $s; then
        T send-keys -t $s "echo al""ive" Enter
        if wait_for $s "alive"; then ok "q quits with 0 and the shell answers (screen, cursor, mouse restored)"; else bad "shell answers after q" $s; fi
    else
        bad "q restores the terminal" $s
    fi
else
    bad "kvscope starts from a shell" $s
fi

# A shell abandons the rest of a command list when its job dies of SIGINT, so the exit status is
# asked for by a command of its own.
check_signal() { # NAME SIGNAL EXIT-STATUS
    T send-keys -t $s "clear; '$kvs' '$tiny'" Enter
    if ! wait_for $s "? help"; then bad "$1: kvscope starts" $s; return; fi
    pid=$(kvs_pid $s) || { bad "$1: cannot find kvscope's pid" $s; return; }
    if [ "$2" = INT ]; then T send-keys -t $s C-c; else kill -"$2" "$pid"; fi
    wait_gone $s "? help"
    T send-keys -t $s "echo \"exit=\$?\"" Enter
    if wait_for $s "exit=$3" && restored $s; then
        T send-keys -t $s "echo st""ill-$1" Enter
        if wait_for $s "still-$1"; then ok "$1 restores the terminal (exit $3)"; else bad "shell answers after $1" $s; fi
    else
        bad "$1 restores the terminal (want exit=$3, normal screen, cursor on, mouse off)" $s
    fi
}
check_signal SIGTERM TERM 143
check_signal SIGINT INT 130
check_signal SIGHUP HUP 129
check_signal SIGSEGV SEGV 139
stop $s

# ---- every other control: speed, zoom, scrolling, follow, restart, policies, F-keys ----
s=keys
start $s "'$tiny' --paused --ascii --no-color" >/dev/null
speed_of() { screen $s | sed -n 's/.*speed: \([0-9.]*\) steps\/s.*/\1/p' | head -n 1; }
T send-keys -t $s +
wait_for $s "speed: " && v1=$(speed_of)
T send-keys -t $s +
sleep 0.1 && wait_for $s "speed: " && v2=$(speed_of)
T send-keys -t $s -
sleep 0.1 && wait_for $s "speed: " && v3=$(speed_of)
if [ -n "${v1:-}" ] && [ -n "${v2:-}" ] && [ -n "${v3:-}" ] && \
   python3 -c "import sys; a,b,c=map(float,sys.argv[1:]); sys.exit(0 if b>a and c<b else 1)" "$v1" "$v2" "$v3"; then
    ok "+ and - change the speed ($v1 -> $v2 -> $v3 steps/s)"
else
    bad "+ and - change the speed (got '${v1:-}' '${v2:-}' '${v3:-}')" $s
fi
T send-keys -t $s -N 30 Right
wait_for $s "stepped to t=30"
cols() { screen $s | sed -n 's/.*stacked | \([0-9]*\) steps*\/col.*/\1/p;s/.*stacked | \([0-9]*\) cols\/step.*/-\1/p' | head -n 1; }
z0=$(cols)
T send-keys -t $s Z
wait_for $s "zoom:" && sleep 0.1
z1=$(cols)
T send-keys -t $s z z
sleep 0.2
z2=$(cols)
if [ -n "$z0" ] && [ -n "$z1" ] && [ -n "$z2" ] && [ "$z1" != "$z0" ] && [ "$z2" != "$z1" ]; then
    ok "Z widens and z narrows the time axis (title: $z0 -> $z1 -> $z2 steps per column)"
else
    bad "z/Z zoom (titles '$z0' '$z1' '$z2')" $s
fi
T send-keys -t $s PPage
if wait_for $s "viewing from t=" && ! screen $s | grep -q "following the present"; then
    T send-keys -t $s f
    if wait_for $s "following the present"; then
        ok "PgUp scrolls back in time and f follows the present again"
    else
        bad "f follows again after PgUp" $s
    fi
else
    bad "PgUp scrolls the time axis" $s
fi
T send-keys -t $s Home
if wait_for $s "viewing from t=0"; then
    T send-keys -t $s NPage
    wait_for $s "viewing from t=" && T send-keys -t $s End
    if wait_for $s "following the present"; then ok "Home shows t=0, PgDn scrolls, End follows"; else bad "End follows" $s; fi
else
    bad "Home shows t=0" $s
fi
T send-keys -t $s Tab
wait_for $s "selected request"
T send-keys -t $s Escape
if wait_for $s "selection cleared" && wait_for $s "no request selected"; then
    ok "Esc clears the selection"
else
    bad "Esc clears the selection" $s
fi
# sjf with lookahead and exact information is the mcsf preset, and the UI names it so.
T send-keys -t $s p
if wait_for $s "switched to mcsf at t=30"; then
    T send-keys -t $s P
    if wait_for $s "switched to fcfs at t=30"; then ok "p and P cycle the policies (fcfs -> sjf -> fcfs)"; else bad "P cycles back" $s; fi
else
    bad "p cycles to the next policy" $s
fi
okall=1
for pair in 2:mcsf 3:svf 4:spf 6:svf-1bit 7:vllm 5:mcsf 1:fcfs; do
    k=${pair%%:*} name=${pair#*:}
    T send-keys -t $s "$k"
    wait_for $s "switched to $name at t=30" 2 || { okall=0; bad "'$k' picks $name" $s; }
done
[ $okall = 1 ] && ok "1-7 pick fcfs, sjf (= mcsf here), svf, spf, mcsf, svf-1bit, vllm"
T send-keys -t $s r
if wait_for $s "restarted at t=0" && screen $s | grep -q "t=0 "; then
    ok "r restarts at t=0"
else
    bad "r restarts at t=0" $s
fi
T send-keys -t $s F1
if wait_for $s "any key closes"; then
    T send-keys -t $s x
    wait_gone $s "any key closes"
    ok "F1 opens the help"
else
    bad "F1 opens the help" $s
fi
T send-keys -t $s F10
st=$(exit_status $s)
if [ "$st" = 0 ]; then ok "F10 quits with 0"; else bad "F10 quits with 0 (exit status: $st)" $s; fi
stop $s

# ---- colour, ASCII and mouse options ----
s=look
start $s "'$tiny' --paused --no-color" >/dev/null
T send-keys -t $s -N 5 Right
wait_for $s "stepped to t=5"
if T capture-pane -e -p -t $s | grep -q "$(printf '\033')\[[0-9;]*3[0-7]m\|$(printf '\033')\[[0-9;]*38;5"; then
    bad "--no-color: no colour on screen" $s
else
    ok "--no-color: no colour escape on the whole screen"
fi
stop $s
T -f /dev/null new-session -d -s $s -x 120 -y 40 \
    "cd '$root' && exec env NO_COLOR=1 TERM=tmux-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 '$kvs' '$tiny' --paused"
wait_for $s "? help"
if T capture-pane -e -p -t $s | grep -q "$(printf '\033')\[[0-9;]*3[0-7]m\|$(printf '\033')\[[0-9;]*38;5"; then
    bad "NO_COLOR=1: no colour on screen" $s
else
    ok "NO_COLOR=1 in the environment: no colour either"
fi
stop $s
start $s "'$tiny' --paused" >/dev/null
if T capture-pane -e -p -t $s | grep -q "$(printf '\033')\[[0-9;]*3[0-7]m\|$(printf '\033')\[[0-9;]*38;5"; then
    ok "by default the screen has colour (so the two checks above can fail)"
else
    bad "by default the screen has colour" $s
fi
if [ "$(T display -p -t $s '#{mouse_any_flag}')" = 1 ]; then ok "the mouse is on by default"; else bad "the mouse is on by default" $s; fi
stop $s
start $s "'$tiny' --paused --ascii --no-mouse" >/dev/null
T send-keys -t $s -N 5 Right
wait_for $s "stepped to t=5"
if screen $s | LC_ALL=C grep -q '[^ -~]'; then
    bad "--ascii: only ASCII on screen" $s
else
    ok "--ascii: only printable ASCII on the whole screen"
fi
if [ "$(T display -p -t $s '#{mouse_any_flag}')" = 0 ]; then ok "--no-mouse leaves the mouse alone"; else bad "--no-mouse" $s; fi
stop $s
T -f /dev/null new-session -d -s $s -x 120 -y 40 \
    "cd '$root' && exec env TERM=tmux-256color LANG=C LC_ALL=C '$kvs' '$tiny' --paused"
wait_for $s "? help"
if screen $s | LC_ALL=C grep -q '[^ -~]'; then bad "a non-UTF-8 locale falls back to ASCII" $s; else ok "a non-UTF-8 locale (C) falls back to ASCII"; fi
stop $s

# ---- a captured trace scenario opens and plays ----
s=trace
start $s "scenarios/azure-code-burst.yaml --paused --ascii --no-color" >/dev/null
T send-keys -t $s -N 40 Right
if wait_for $s "stepped to t=40" && screen $s | grep -q "M = 34070 tokens: llama-3.1-8b"; then
    ok "a trace scenario (Azure code burst) plays and shows how M was derived"
else
    bad "a trace scenario plays and shows M's derivation" $s
fi
stop $s

# ---- responsiveness at max speed on 100 000 requests ----
# kvscope logs, per key, the time from reading it to the end of the frame that answers it
# (KVSCOPE_KEY_LOG), counted from the start of the turn when the key was already waiting: an
# upper bound. The promise is 50 ms; it is judged on kvscope's own CPU time, which another
# process on the machine cannot stretch, for the median key. Wall time and the round trip
# through tmux are shown.
s=big
rm -f "$tmp/keys.log"
T -f /dev/null new-session -d -s $s -x 120 -y 40 \
    "cd '$root' && env KVSCOPE_KEY_LOG='$tmp/keys.log' TERM=tmux-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 '$kvs' '$here/big.yaml' --paused --speed 100000 --ascii --no-color"
if wait_for $s "? help" 10; then
    T send-keys -t $s +
    if wait_for $s "speed: max"; then
        T send-keys -t $s Space
        wait_for $s "running at max speed"
        : > "$tmp/keys.log"
        # One key at a time: the next is sent only once kvscope has logged its answer to the last
        # (it logs after drawing it), so every key is answered, and logged, on a turn of its own.
        # (Waiting only for a text let z and Z, whose answers both say "zoom:", share a turn; and
        # when the run finishes right after a key, "finished at" replaces that key's answer.)
        # The engine runs 100 000 requests in about half a second at max speed, so a key that
        # would come after the end is replaced by r, which starts the run again.
        ms=$(python3 - "$sock" "$s" "$tmp/keys.log" <<'EOF'
import subprocess, sys, time
sock, s, log = sys.argv[1], sys.argv[2], sys.argv[3]
def screen():
    return subprocess.run(["tmux", "-L", sock, "capture-pane", "-p", "-t", s],
                          capture_output=True, text=True).stdout
def logged():
    with open(log) as f:
        return sum(1 for line in f if line.strip())
worst = 0
keys = (("p", "switched to"), ("v", "lanes:"), ("v", "stacked:"), ("z", "zoom:"),
        ("Z", "zoom:"), ("v", "lanes:"), ("v", "stacked:"), ("p", "switched to"))
sent = 0
for key, want in keys:
    # keep the run going at max speed: once it has finished, r starts it again (r is a key too)
    if "finished at" in screen():
        key = "r"
    t0 = time.monotonic()
    subprocess.run(["tmux", "-L", sock, "send-keys", "-t", s, key])
    sent += 1
    while logged() < sent:
        if time.monotonic() - t0 > 5:
            print(-1)
            sys.exit(0)
        time.sleep(0.002)
    worst = max(worst, (time.monotonic() - t0) * 1000)
    time.sleep(0.02)
print(int(worst))
EOF
)
        stats=$(python3 -c "
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
wall = sorted(float(r[0]) for r in rows)
cpu = sorted(float(r[1]) for r in rows)
if rows:
    print(len(rows), '%.1f' % cpu[-1], '%.1f' % cpu[len(cpu) // 2], '%.1f' % wall[-1], '%.1f' % wall[len(wall) // 2])
else:
    print('0 -1 -1 -1 -1')" "$tmp/keys.log")
        set -- $stats
        n=$1 cpu_max=$2 cpu_med=$3 wall_max=$4 wall_med=$5
        # The 50 ms promise is judged on the median key; a single engine chunk (e.g. a bulk of
        # arrivals sorted at once) can make one answer slower, so the slowest is reported and
        # only bounded (250 ms) against a hang.
        if screen $s | grep -q "finished at t="; then
            note=" (the run had finished by the last key)"
        else
            note=""
        fi
        if [ "$ms" -ge 0 ] && [ "$n" -ge 8 ] && python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < 50 and float(sys.argv[2]) < 250 else 1)" "$cpu_med" "$cpu_max"; then
            ok "keys answered at max speed on 100000 requests: median ${cpu_med} ms of kvscope's CPU time before the answer is drawn, slowest ${cpu_max} ms; wall median ${wall_med}, slowest ${wall_max} ms; ${ms} ms through tmux$note"
        else
            bad "keys answered within 50 ms at max speed on 100000 requests ($n keys; CPU median ${cpu_med}, slowest ${cpu_max} ms; wall slowest ${wall_max} ms; through tmux ${ms} ms)$note" $s
        fi
    else
        bad "+ reaches max speed" $s
    fi
else
    bad "starts on 100000 requests" $s
fi
stop $s

echo "ui: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
