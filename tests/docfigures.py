#!/usr/bin/env python3
"""Figures quoted in README.md and docs/ against the latest `make bench` table in docs/performance.md.

usage: tests/docfigures.py [TREE]

Each claim below names a sentence (a pattern over the text with its whitespace made single spaces) and,
for each number in it, the row and column of the table it quotes. A number must equal the table's figure
to the precision it is written with: 1.3 million is 1,250,000 to 1,350,000; 101,000 (zeros after a comma
stand for thousands at most) is 100,500 to 101,500; a number written plainly, such as 610, is exact. Every "N guest
instructions" in README.md, docs/architecture.md and docs/lx.md must be part of a claim. Prints one
"ok docs/NAME" or "not ok docs/NAME: why" line per check; exits 1 if any failed.
"""
import os
import re
import sys

TABLE_FILE = "docs/performance.md"
QUOTING = ["README.md", "docs/architecture.md", "docs/lx.md"]
UNITS = {"": 1, "million": 1e6, "billion": 1e9}

# (name, file, pattern, [(table row's start, column), one per group of the pattern])
CLAIMS = [
    ("readme-boot", "README.md",
     r"in about ([\d.,]+ ?\w*) guest instructions from reset to the first user instruction",
     [("reset to the first user instruction", "Mica")]),
    ("readme-hello-wall", "README.md",
     r"Linux hello world runs from QEMU's launch to its exit in about ([\d.]+) s",
     [("hello world, QEMU launch to exit", "Mica")]),
    ("readme-python", "README.md",
     r"`python3 -c pass` from reset to its exit in ([\d.,]+ ?\w*) guest instructions "
     r"\(Linux in the same machine: ([\d.,]+ ?\w*);",
     [("reset to python3 -c pass exited", "Mica"), ("reset to python3 -c pass exited", "Linux")]),
    ("architecture-null-kernel-call", "docs/architecture.md",
     r"A null kernel call costs ([\d,]+) guest instructions",
     [("null kernel call", "Mica")]),
    ("architecture-ipc", "docs/architecture.md",
     r"A call \+ reply round trip between two address spaces costs ([\d,]+) guest instructions",
     [("IPC call + reply round trip", "Mica")]),
    ("architecture-demux", "docs/architecture.md",
     r"demultiplexing a TCP frame costs ([\d,]+) guest instructions with one port filter installed and ([\d,]+) with 1,000",
     [("demultiplex, 1 filter", "Mica"), ("demultiplex, 1,000 filters", "Mica")]),
    ("lx-getppid", "docs/lx.md",
     r"`getppid` costs ([\d,]+) guest instructions in all on a CPU without protection keys and [\d,]+ under "
     r"them \(Linux: ([\d,]+)\)",
     [("null syscall (getppid)", "Mica"), ("null syscall (getppid)", "Linux")]),
    ("lx-fork-exit-wait", "docs/lx.md",
     r"fork\+exit\+wait costs about ([\d,]+) guest instructions \(Linux: ([\d,]+)[;)]",
     [("fork + exit + wait", "Mica"), ("fork + exit + wait", "Linux")]),
    ("performance-linux-least-memory", "docs/performance.md",
     r"Least guest memory with which the program runs to completion: \*\*(\d+) MiB\*\*",
     [("least `-m` that runs the benchmark", "Linux")]),
]


def flat(text):
    """text with every run of whitespace made one space."""
    return re.sub(r"\s+", " ", text)


def latest_table(text):
    """{row: {column: figure}} from the section make bench writes; the first number of each cell."""
    m = re.search(r"<!-- bench:begin.*?-->(.*?)<!-- bench:end -->", text, re.S)
    if not m:
        raise ValueError("no bench:begin/bench:end section in " + TABLE_FILE)
    rows, columns = {}, None
    for line in m.group(1).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|") or set("".join(cells)) <= set("-: "):
            continue
        if cells[1:3] == ["Linux", "Mica"]:
            columns = cells
            continue
        figures = {}
        for col, cell in zip(columns or [], cells):
            n = re.match(r"[\d.]+", cell.replace(",", ""))
            if n and col:
                figures[col] = float(n.group(0))
        rows[cells[0]] = figures
    return rows


def quoted(s):
    """The value of a figure as written ("1.3 million", "101,000", "610") and half its last digit's unit."""
    num, _, word = s.strip().partition(" ")
    plain = num.replace(",", "")
    if "." in plain:
        unit = 10 ** -len(plain.split(".")[1])
    elif "," in num:
        unit = 10 ** min(len(plain) - len(plain.rstrip("0")), 3)
    else:
        unit = 1
    scale = UNITS.get(word, 1)
    return float(plain) * scale, unit * scale / 2


def figure(rows, start, column):
    """The table's figure in the row that starts with start, in column; None if there is none."""
    for row, figures in rows.items():
        if row.startswith(start):
            return figures.get(column)
    return None


def check_claim(texts, rows, name, path, pattern, refs):
    """None when the claim's sentence is there and every figure in it agrees with the table, else why not."""
    m = re.search(pattern, texts[path])
    if not m:
        return "the sentence is not in %s any more: update the claim with it" % path
    for (start, column), written in zip(refs, m.groups()):
        want = figure(rows, start, column)
        value, tolerance = quoted(written)
        if want is None:
            return "no %s figure in the row '%s' of the latest table" % (column, start)
        if abs(value - want) > tolerance:
            return "%s says %s, the latest table %g (%s, %s)" % (path, written, want, start, column)
    return None


def unclaimed(texts):
    """Every "N guest instructions" in the quoting files that no claim covers, as "file: text"."""
    spans = {}
    for _, path, pattern, _ in CLAIMS:
        m = re.search(pattern, texts[path])
        if m:
            spans.setdefault(path, []).append(m.span())
    left = []
    for path in QUOTING:
        for m in re.finditer(r"\d[\d,.]*( million| billion)? guest instructions", texts[path]):
            if not any(a <= m.start() and m.end() <= b for a, b in spans.get(path, [])):
                left.append("%s: %s" % (path, m.group(0)))
    return left


def run(texts, rows):
    """[(name, why or None)] for every claim and for figures outside them."""
    results = [(name, check_claim(texts, rows, name, path, pattern, refs)) for name, path, pattern, refs in CLAIMS]
    stray = unclaimed(texts)
    results.append(("every-figure-claimed", "; ".join(stray) + " (add a claim)" if stray else None))
    return results


def main():
    tree = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    raw = {}
    for path in set(QUOTING + [TABLE_FILE]):
        with open(os.path.join(tree, path), encoding="utf-8") as f:
            raw[path] = f.read()
    texts = {path: flat(text) for path, text in raw.items()}
    rows = latest_table(raw[TABLE_FILE])
    failed = 0
    results = run(texts, rows)
    # The check itself checked: the IPC figure of an older table must be caught.
    stale = dict(texts)
    stale["docs/architecture.md"] = texts["docs/architecture.md"].replace(
        "spaces costs %d guest" % figure(rows, "IPC call + reply round trip", "Mica"), "spaces costs 576 guest")
    why = dict(run(stale, rows))["architecture-ipc"]
    results.append(("stale-figure-caught", None if why else "IPC 576 in docs/architecture.md was not caught"))
    for name, why in results:
        print("ok docs/%s" % name if why is None else "not ok docs/%s: %s" % (name, why))
        failed += why is not None
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
