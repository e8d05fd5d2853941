#!/bin/sh
# embed.sh NAME FILE: print a C file defining `const char NAME[]` (NUL-terminated) and
# `const unsigned long NAME_len` with FILE's bytes. POSIX od + sed only (no xxd on a fresh Debian).
set -eu
name=$1; file=$2
echo "/* generated from $file by scripts/embed.sh; do not edit */"
echo "const char ${name}_path[] = \"$file\";"
echo "const char ${name}[] = {"
od -An -v -tx1 "$file" | sed -e 's/ *\([0-9a-f][0-9a-f]\)/0x\1,/g' -e 's/^/  /'
echo "  0x00 };"
echo "const unsigned long ${name}_len = sizeof ${name} - 1;"
