#!/bin/sh
# screenshots.sh KVSCOPE DIR: pictures of the real UI for the README. Runs kvscope in a private
# tmux server at a fixed size, brings it into a known state with keys (always from --paused, so
# every picture is the same on every run), captures the screen with its colours, turns the ANSI
# into HTML with aha and the HTML into a PNG with headless Chromium.
set -eu
[ $# -eq 2 ] || { echo "usage: $0 KVSCOPE DIR" >&2; exit 2; }
case $1 in /*) kvs=$1 ;; *) kvs=$(pwd)/$1 ;; esac
out=$2
root=$(cd "$(dirname "$0")/.." && pwd)
for tool in tmux aha chromium; do
    command -v "$tool" >/dev/null 2>&1 || { echo "screenshots: $tool is missing (sh scripts/deps.sh shots)" >&2; exit 1; }
done
mkdir -p "$out"
sock=kvs-shots-$$
tmp=$(mktemp -d)
trap 'tmux -L "$sock" kill-server 2>/dev/null || true; rm -rf "$tmp"' EXIT INT TERM

COLS=160
ROWS=48
# DejaVu Sans Mono advances 0.602 em per character; one row is exactly one font size high.
FONT=16

# wait_for SESSION TEXT: poll the screen (up to 10 s) until TEXT appears on it.
wait_for() {
    i=0
    while [ $i -lt 200 ]; do
        if tmux -L "$sock" capture-pane -p -t "$1" 2>/dev/null | grep -qF -- "$2"; then return 0; fi
        sleep 0.05
        i=$((i + 1))
    done
    echo "screenshots: '$2' never appeared in $1; the screen was:" >&2
    tmux -L "$sock" capture-pane -p -t "$1" >&2 || true
    return 1
}

# start NAME COLS ROWS ARGS...: a session running kvscope (paused) on the given arguments.
start() {
    name=$1 c=$2 r=$3
    shift 3
    tmux -L "$sock" -f /dev/null new-session -d -s "$name" -x "$c" -y "$r" \
        "cd '$root' && TERM=tmux-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 '$kvs' --paused $*; sleep 600"
    wait_for "$name" "? help"
}

# steps NAME N: step forward N times and wait until the clock shows it.
steps() {
    tmux -L "$sock" send-keys -t "$1" -N "$2" Right
    wait_for "$1" "stepped to t=$3"
}

# shoot NAME FILE: capture the session and render FILE.png in $out.
shoot() {
    name=$1 file=$2
    sleep 0.2 # let the last frame reach the pane
    c=$(tmux -L "$sock" display -p -t "$name" '#{pane_width}')
    r=$(tmux -L "$sock" display -p -t "$name" '#{pane_height}')
    tmux -L "$sock" capture-pane -e -p -t "$name" > "$tmp/$file.ansi"
    {
        printf '<!DOCTYPE html><html><head><meta charset="utf-8"><style>\n'
        printf 'html,body{margin:0;padding:0;background:#000}\n'
        printf 'pre{margin:0;padding:%dpx;font-family:"DejaVu Sans Mono",monospace;' "$((FONT / 2))"
        printf 'font-size:%dpx;line-height:1;color:#d0d0d0;background:#000;' "$FONT"
        printf 'font-variant-ligatures:none}\n'
        printf 'span{line-height:1}\n</style></head><body><pre>'
        aha --no-header < "$tmp/$file.ansi"
        printf '</pre></body></html>\n'
    } > "$tmp/$file.html"
    w=$(awk -v c="$c" -v f="$FONT" 'BEGIN { printf "%d", c * f * 0.6021 + f + 0.999 }')
    h=$((r * FONT + FONT))
    chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
        --user-data-dir="$tmp/chrome" --screenshot="$out/$file.png" \
        --window-size="$w,$h" "file://$tmp/$file.html" >/dev/null 2>&1
    [ -s "$out/$file.png" ] || { echo "screenshots: chromium wrote no $file.png" >&2; exit 1; }
    echo "screenshots: $out/$file.png"
    tmux -L "$sock" kill-session -t "$name"
}

# 1. The default scenario in the middle of the run, stacked, with one request selected.
start stacked $COLS $ROWS
steps stacked 300 300
tmux -L "$sock" send-keys -t stacked Tab Tab
wait_for stacked "selected request"
shoot stacked stacked

# 2. The same moment as lanes: every request's own trapezoid.
start lanes $COLS $ROWS
steps lanes 300 300
tmux -L "$sock" send-keys -t lanes v
wait_for lanes "lanes:"
shoot lanes lanes

# 3. The help overlay.
start help $COLS $ROWS
steps help 120 120
tmux -L "$sock" send-keys -t help '?'
wait_for help "any key closes"
shoot help help

# 4. A policy switch mid-run: svf until t=100, then fcfs, which lets the long requests in.
start switch $COLS $ROWS
steps switch 100 100
tmux -L "$sock" send-keys -t switch 1
wait_for switch "switched to fcfs at t=100"
steps switch 500 600
shoot switch policy-switch

# 5. vLLM-like admission on the eviction scenario: memory overflows, requests are evicted.
start evict $COLS $ROWS scenarios/vllm-eviction.yaml --policy vllm
steps evict 200 200
shoot evict evictions

# 6. ASCII only (for terminals without Unicode), still in colour.
start ascii $COLS $ROWS --ascii
steps ascii 300 300
shoot ascii ascii

# 7. No colour at all (NO_COLOR): patterns and attributes carry the meaning.
start mono $COLS $ROWS --no-color
steps mono 300 300
shoot mono no-color

# 8. A small terminal (100x30): the layout keeps every panel readable.
start small 100 30
steps small 200 200
shoot small small-terminal

# 9. A captured trace: Azure's code burst on a Llama-3.1-8B / RTX 4090 budget (M from the setup).
start trace $COLS $ROWS scenarios/azure-code-burst.yaml --policy svf
steps trace 400 400
shoot trace trace-azure-code

# 9b. Race mode: three policies on the same workload and clock.
start race $COLS $ROWS race scenarios/head-of-line.yaml --policies svf,sjf,fcfs
steps race 150 150
shoot race race

# 10. kvscope render: the SVG figure of a whole run (for slides and papers), shown via Chromium.
"$kvs" render "$root/scenarios/classroom.yaml" --policy svf -o "$tmp/render.svg"
sw=$(sed -n 's/.*<svg[^>]* width="\([0-9]*\)".*/\1/p' "$tmp/render.svg" | head -n 1)
sh_=$(sed -n 's/.*<svg[^>]* height="\([0-9]*\)".*/\1/p' "$tmp/render.svg" | head -n 1)
chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
    --user-data-dir="$tmp/chrome" --screenshot="$out/render-classroom.png" \
    --window-size="${sw:-1200},${sh_:-700}" "file://$tmp/render.svg" >/dev/null 2>&1
[ -s "$out/render-classroom.png" ] || { echo "screenshots: chromium wrote no render-classroom.png" >&2; exit 1; }
echo "screenshots: $out/render-classroom.png"
