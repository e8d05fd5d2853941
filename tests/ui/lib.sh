# tests/ui/lib.sh: helpers shared by the tmux tests (run.sh, safety.sh, race.sh). Source it after
# setting $sock (the private tmux server's name); it counts into $pass and $fail.
pass=0
fail=0

# T ARGS...: tmux on the private server.
T() { tmux -L "$sock" "$@"; }
# screen SESSION: the pane's text.
screen() { T capture-pane -p -t "$1" 2>/dev/null; }
ok() { pass=$((pass + 1)); echo "ok   $1"; }
# bad LABEL [SESSION]: a failure, with the session's screen when given.
bad() {
    fail=$((fail + 1))
    echo "FAIL $1"
    if [ -n "${2:-}" ]; then screen "$2" | sed 's/^/     | /'; fi
}

# wait_for SESSION TEXT [SECONDS]: poll until TEXT is on the screen; 1 on timeout.
wait_for() {
    n=$(( ${3:-5} * 50 ))
    while [ "$n" -gt 0 ]; do
        screen "$1" | grep -qF -- "$2" && return 0
        sleep 0.02
        n=$((n - 1))
    done
    return 1
}

# wait_gone SESSION TEXT [SECONDS]: poll until TEXT has left the screen.
wait_gone() {
    n=$(( ${3:-5} * 50 ))
    while [ "$n" -gt 0 ]; do
        screen "$1" | grep -qF -- "$2" || return 0
        sleep 0.02
        n=$((n - 1))
    done
    return 1
}
