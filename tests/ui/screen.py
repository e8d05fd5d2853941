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
  selected           (from `capture-pane -p -e`, colour, any glyphs) print "LANE CELLS [X Y]" for
                     each race lane: how many cells of its plot show the selected request, which
                     the canvas draws in white (colour 231) in 256 colours, and one screen cell
                     (0-based) that it fills entirely
"""
import re
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


SGR = re.compile(r"\x1b\[([0-9;]*)m")


def cells(text):
    """The screen as rows of (char, fg, bg) from `capture-pane -e` output: SGR state carries
    over from cell to cell and from row to row, as tmux writes it."""
    fg = bg = None
    rows, row, i = [], [], 0
    while i < len(text):
        c = text[i]
        if c == "\x1b":
            m = SGR.match(text, i)
            if not m:
                i += 2
                continue
            ps = [int(x) if x else 0 for x in m.group(1).split(";")]
            j = 0
            while j < len(ps):
                p = ps[j]
                if p == 0:
                    fg = bg = None
                elif 30 <= p <= 37 or 90 <= p <= 97:
                    fg = p - 30 if p < 90 else p - 82
                elif 40 <= p <= 47 or 100 <= p <= 107:
                    bg = p - 40 if p < 100 else p - 92
                elif p == 39:
                    fg = None
                elif p == 49:
                    bg = None
                elif p in (38, 48) and j + 2 < len(ps) and ps[j + 1] == 5:
                    if p == 38:
                        fg = ps[j + 2]
                    else:
                        bg = ps[j + 2]
                    j += 2
                elif p in (38, 48) and j + 4 < len(ps) and ps[j + 1] == 2:
                    if p == 38:
                        fg = tuple(ps[j + 2:j + 5])
                    else:
                        bg = tuple(ps[j + 2:j + 5])
                    j += 4
                j += 1
            i = m.end()
            continue
        if c == "\n":
            rows.append(row)
            row = []
        else:
            row.append((c, fg, bg))
        i += 1
    rows.append(row)
    return rows


def selected(text, white=231):
    """For each race lane 'lane K:' (its title in the frame's top edge): cells of its plot (the
    rows between the title and the time axis, right of the y axis, left of its right edge;
    legend rows left out) drawn in the selected request's colour."""
    rows = cells(text)
    plain = ["".join(c[0] for c in r) for r in rows]
    out = []
    for top, line in enumerate(plain):
        m = re.search(r"lane (\d+):", line)
        if not m or line[:1] not in "+\u256d":
            continue
        right = next((x for x in range(1, len(line)) if line[x] in "+\u256e"), len(line))
        step = next((r for r in range(top + 1, len(plain)) if plain[r][1:5] == "step"), None)
        if step is None:
            raise SystemExit("lane %s: no time axis below its title" % m.group(1))
        axis = step - 1
        axis_col = next((x for x in range(1, right) if plain[axis][x] != " "), right)
        hits = []
        for r in range(top + 1, axis):
            if "request: height" in plain[r] or "one lane per request" in plain[r]:
                continue
            for x in range(axis_col + 1, min(right, len(rows[r]))):
                _, fg, bg = rows[r][x]
                if fg == white and bg == white:
                    hits.append((x, r))
                elif fg == white or bg == white:
                    hits.append(None)  # an edge cell shared with another band
        where = [h for h in hits if h]
        out.append("%s %d" % (m.group(1), len(hits)) +
                   (" %d %d" % where[len(where) // 2] if where else ""))
    if not out:
        raise SystemExit("no race lane on the screen")
    return out


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
    if cmd == "selected":
        print("\n".join(selected("\n".join(lines))))
        return 0
    if cmd == "present":
        print(present_col(lines))
        return 0
    raise SystemExit("unknown command " + cmd)


if __name__ == "__main__":
    sys.exit(main())
