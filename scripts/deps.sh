#!/bin/sh
# Install the Debian packages kvscope needs, but only those missing, so that `make run` and
# `make test` work as the first command on a fresh machine. Usage: scripts/deps.sh [build|test|shots]
set -eu
want="${1:-build}"

missing=""
need_pkg() { # need_pkg PACKAGE CHECK-COMMAND...
    pkg=$1; shift
    if ! "$@" >/dev/null 2>&1; then missing="$missing $pkg"; fi
}
have_pc() { command -v pkg-config >/dev/null 2>&1 && pkg-config --exists "$1"; }

need_pkg make         command -v make
need_pkg gcc          command -v cc
need_pkg pkg-config   command -v pkg-config
need_pkg libncurses-dev have_pc ncursesw
need_pkg libcjson-dev have_pc libcjson
need_pkg libyaml-dev  have_pc yaml-0.1
if [ "$want" = test ] || [ "$want" = shots ]; then
    need_pkg libcmocka-dev have_pc cmocka
    need_pkg tmux        command -v tmux
    need_pkg python3     command -v python3
    need_pkg ncurses-term test -e /usr/share/terminfo/t/tmux-256color -o -e /lib/terminfo/t/tmux-256color
fi
if [ "$want" = shots ]; then
    need_pkg aha         command -v aha
    need_pkg chromium    command -v chromium
    need_pkg fonts-dejavu-core test -e /usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf
fi

[ -z "$missing" ] && exit 0
echo "kvscope: installing missing packages:$missing" >&2
sudo=""
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo=sudo; else
        echo "kvscope: need root (or sudo) to install:$missing" >&2; exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >&2
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >&2
