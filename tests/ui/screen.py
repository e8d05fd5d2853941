#!/usr/bin/env python3
"""screen.py: read a kvscope screen captured with `tmux capture-pane -p` (ASCII mode, no colour)
and check what the UI tests need. Commands (the screen comes on stdin):

  height MEMORY M    the column just left of the present line (the step that just ran) is
                     filled to MEMORY tokens on a scale where M fills the plot; exit 1 if not
  queue              print the ids in the queue panel, in order, one per line
  present            print the plot column of the present line
  queue-rows         print "ROW ID" for each queue entry (ROW = screen line, from 0)
  story              print the inspector's story of the selected request as one line (its
                     sentences wrapped over several rows, joined again with spaces)
"""
import sys


def budget_row(lines):
    for i, line in enumerate(lines):
        if "budget M =" in line:
            return i
    raise SystemExit("no budget line on the screen")


def plot_origin(lines):
    """(budget row, axis column, first plot column)"""
    b = budget_row(lines)
    row = lines[b]
    k = row.find("M+")
    if k < 0:
        raise SystemExit("no 'M+' label on the budget line: %r" % row)
    return b, k + 1, k + 2


def present_col(lines):
    b, axis, x0 = plot_origin(lines)
    row = lines[b]
    k = row.find("|", x0)
    if k < 0:
        raise SystemExit("no present line on the budget row: %r" % row)
    return k


def axis_row(lines, b, axis):
    for i in range(b + 1, len(lines)):
        line = lines[i]
        if len(line) > axis + 4 and set(line[axis + 1:axis + 5]) <= set("-+"):
            return i
    raise SystemExit("no time axis below the budget line")


def height(lines, memory, m):
    b, axis, x0 = plot_origin(lines)
    a = axis_row(lines, b, axis)
    rows = a - b - 1
    col = present_col(lines) - 1
    if col < x0:
        raise SystemExit("the present line is at the left edge: nothing drawn before it")
    e = int(memory * rows * 8 / m + 0.5)
    want_full = e // 8 + (1 if e % 8 >= 4 else 0)
    want_any = e // 8 + (1 if e % 8 else 0)
    cells = [lines[r][col] if col < len(lines[r]) else " " for r in range(a - 1, b, -1)]
    any_n = 0
    while any_n < len(cells) and cells[any_n] != " ":
        any_n += 1
    full_n = sum(1 for c in cells[:any_n] if c != "_")
    rest = "".join(cells[any_n:]).strip()
    msg = ("column %d: %d cells drawn (%d full) of %d rows; expected %d (%d full) for %d of %d "
           "tokens; column bottom-up: %r" % (col, any_n, full_n, rows, want_any, want_full, memory,
                                             m, "".join(cells)))
    if any_n != want_any or full_n != want_full or rest:
        print(msg)
        return 1
    return 0


def queue(lines, with_rows=False):
    ids = []
    header = None
    for i, line in enumerate(lines):
        if " id " in line and " est" in line:
            header = i
            break
    if header is None:
        raise SystemExit("no queue header on the screen")
    start = lines[header].rfind("|", 0, lines[header].find(" id "))
    for row, line in enumerate(lines[header + 1:], header + 1):
        part = line[start:].strip("|").split("|")[0]
        toks = part.split()
        if not toks or set(part.strip()) <= set("-"):
            break
        rid = toks[1] if toks[0].isdigit() and len(toks) >= 6 else toks[0]
        ids.append("%d %s" % (row, rid) if with_rows else rid)
    return ids


def story(lines):
    """The inspector's 'story' rows, from the box titled 'request ...' (ASCII screen)."""
    top = None
    for i, line in enumerate(lines):
        k = line.find("+- request ")
        if k >= 0:
            top = i
            break
    if top is None:
        raise SystemExit("no inspector showing a request on the screen")
    right = lines[top].find("+", k + 1)
    parts, on = [], False
    for line in lines[top + 1:]:
        if len(line) <= k or line[k] != "|":
            break  # the bottom border
        if line[k + 2:k + 11].strip() == "story":
            on = True
        if on:
            parts.append(line[k + 11:right].strip())
    return " ".join(p for p in parts if p)


def main():
    lines = sys.stdin.read().split("\n")
    cmd = sys.argv[1]
    if cmd == "height":
        return height(lines, int(sys.argv[2]), int(sys.argv[3]))
    if cmd == "queue":
        print("\n".join(queue(lines)))
        return 0
    if cmd == "queue-rows":
        print("\n".join(queue(lines, True)))
        return 0
    if cmd == "story":
        print(story(lines))
        return 0
    if cmd == "present":
        print(present_col(lines))
        return 0
    raise SystemExit("unknown command " + cmd)


if __name__ == "__main__":
    sys.exit(main())
