#!/bin/sh
# tests/ui/safety.sh KVSCOPE: the terminal comes back whatever ends kvscope, beyond what
# tests/ui/run.sh covers (q, SIGTERM, SIGINT, SIGHUP, SIGSEGV): SIGABRT, SIGBUS, SIGFPE, SIGILL
# and SIGQUIT (Ctrl-\), suspending with Ctrl-Z and resuming with fg, and the refusal of the
# interactive view when standard output is not a terminal although standard input is.
# Each case runs kvscope from an interactive sh in a private tmux server and then checks that
# the pane is back on the normal screen with the cursor shown and the mouse off, and that the
# shell answers a command. Prints "ui-safety: N passed, M failed"; non-zero on failure.
set -u
[ $# -eq 1 ] || { echo "usage: $0 KVSCOPE" >&2; exit 2; }
case $1 in /*) kvs=$1 ;; *) kvs=$(pwd)/$1 ;; esac
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
for tool in tmux; do
    command -v "$tool" >/dev/null 2>&1 || { echo "ui-safety: $tool is missing (sh scripts/deps.sh test)" >&2; exit 1; }
done
sock=kvs-safety-$$
tmp=$(mktemp -d)
trap 'tmux -L "$sock" kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
tiny="$here/tiny.yaml"
. "$here/lib.sh"
shell() {
    T -f /dev/null new-session -d -s "$1" -x 120 -y 40 \
        "cd '$tmp' && env PS1='$ ' TERM=tmux-256color LANG=C.UTF-8 sh -i"
    wait_for "$1" '$' 5
}
# normal screen, cursor shown, no mouse reporting
restored() { [ "$(T display -p -t "$1" '#{alternate_on}#{cursor_flag}#{mouse_any_flag}')" = "010" ]; }
kvs_pid() {
    sh_pid=$(T display -p -t "$1" '#{pane_pid}')
    for p in $(pgrep -P "$sh_pid"); do
        case $(cat "/proc/$p/comm" 2>/dev/null) in kvscope*) echo "$p"; return 0 ;; esac
    done
    return 1
}
answers() { # SESSION WORD: the shell still runs commands and echoes what is typed
    T send-keys -t "$1" "echo al""ive-$2" Enter
    wait_for "$1" "alive-$2"
}

s=safety

# ---- crash signals: the handler restores the terminal and dies of the same signal ----
check_signal() { # SIGNAL EXIT-STATUS [KEY]
    T kill-session -t $s 2>/dev/null
    shell $s || { bad "SIG$1: a shell in tmux" $s; return; }
    T send-keys -t $s "clear; ulimit -c 0; '$kvs' '$tiny'" Enter
    if ! wait_for $s "? help"; then bad "SIG$1: kvscope starts" $s; return; fi
    if [ -n "${3:-}" ]; then
        T send-keys -t $s "$3"
    else
        pid=$(kvs_pid $s) || { bad "SIG$1: cannot find kvscope's pid" $s; return; }
        kill -"$1" "$pid"
    fi
    wait_gone $s "? help"
    T send-keys -t $s "echo \"exit=\$?\"" Enter
    if wait_for $s "exit=$2" && restored $s && answers $s "$1"; then
        ok "SIG$1 restores the terminal and the shell answers (exit $2)"
    else
        bad "SIG$1 restores the terminal (want exit=$2, normal screen, cursor on, mouse off, shell answering)" $s
    fi
}
check_signal ABRT 134
check_signal BUS 135
check_signal FPE 136
check_signal ILL 132
check_signal QUIT 131 'C-\'

# ---- Ctrl-Z suspends with the terminal given back; fg redraws; q quits normally ----
T kill-session -t $s 2>/dev/null
shell $s
T send-keys -t $s "clear; '$kvs' '$tiny' --paused" Enter
if wait_for $s "? help"; then
    T send-keys -t $s C-z
    if wait_gone $s "? help" && restored $s && answers $s stopped; then
        T send-keys -t $s "fg" Enter
        if wait_for $s "? help"; then
            T send-keys -t $s q
            wait_gone $s "? help"
            T send-keys -t $s "echo \"exit=\$?\"" Enter
            if wait_for $s "exit=0" && restored $s && answers $s resumed; then
                ok "Ctrl-Z gives the terminal back, fg redraws, q then exits 0"
            else
                bad "q after fg restores the terminal ($(T display -p -t $s "#{alternate_on}#{cursor_flag}#{mouse_any_flag}"))" $s
            fi
        else
            bad "fg brings the view back" $s
        fi
    else
        bad "Ctrl-Z gives the terminal back" $s
        T send-keys -t $s "kill -9 %1" Enter
    fi
else
    bad "kvscope starts for Ctrl-Z" $s
fi

# ---- stdin is a terminal, stdout is not: refused, pointing at kvscope run ----
T kill-session -t $s 2>/dev/null
shell $s
T send-keys -t $s "clear; '$kvs' '$tiny' >out.txt; echo \"exit=\$?\"" Enter
msg="kvscope: the interactive view needs a terminal; for scripts use: kvscope run SCENARIO --format json"
if wait_for $s "exit=2" && screen $s | grep -qF -- "$msg" && [ ! -s "$tmp/out.txt" ] && restored $s; then
    ok "stdout redirected to a file: refused with exit 2 and a pointer to kvscope run"
else
    bad "stdout not a terminal: refused (exit 2, '$msg')" $s
fi

T kill-session -t $s 2>/dev/null
echo "ui-safety: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
