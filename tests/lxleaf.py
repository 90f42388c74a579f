#!/usr/bin/env python3
"""lx's LX_LEAF handlers are leaves: entry.S's leaf way counts on it (libos/lx/syscall.h).

usage: tests/lxleaf.py LX   (lx's linked image, build/user/lx/lx)

Each call flagged LX_LEAF in libos/lx/syscalls.def must take at most three arguments, and its handler,
lx_sys_NAME as objdump shows it in LX, must end in a ret and neither call nor jump outside itself: a
handler that called on could block, make a thread or ask to start again, which the leaf way does not
look for afterwards. (That it keeps every register but rax is the compiler's part, by the attribute;
tests/linux/rewrite.c checks the registers a rewritten call leaves.) Before looking at LX it checks
that a planted handler that calls is found, so that a check that stops matching fails too. Prints one
"ok lxleaf/NAME" or "not ok lxleaf/NAME: why" per handler; exits 1 when anything failed.
"""
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEF = os.path.join(HERE, "..", "libos", "lx", "syscalls.def")
LEAF = re.compile(r"^LX_SYSCALL\((\d+),\s*(\w+),\s*LX_LEAF,\s*(\d+)")
INSN = re.compile(r"^\s*([0-9a-f]+):\s+(\S+)\s*(.*)$")
PLANTED = """0000000000001000 <lx_sys_planted>:
    1000:	push   %rdi
    1001:	call   2000 <elsewhere>
    1006:	pop    %rdi
    1007:	ret
"""


def leaves():
    """The LX_LEAF calls of syscalls.def: (name, number of arguments)."""
    with open(DEF) as f:
        return [(m.group(2), int(m.group(3))) for m in map(LEAF.match, f) if m]


def bodies(text):
    """Each function of an objdump -d listing: name -> [(address, mnemonic, operands)]."""
    out, cur = {}, None
    for line in text.splitlines():
        head = re.match(r"^[0-9a-f]+ <([^>]+)>:$", line)
        if head:
            cur = out.setdefault(head.group(1), [])
        elif cur is not None and INSN.match(line):
            a, mnem, ops = INSN.match(line).groups()
            cur.append((int(a, 16), mnem, ops))
    return out


def why_not_leaf(insns):
    """None for a leaf; else what makes the body one that is not."""
    if not insns:
        return "not found in lx's image"
    lo, hi = insns[0][0], insns[-1][0]
    for a, mnem, ops in insns:
        if mnem.startswith("call"):
            return "calls at %#x (%s)" % (a, ops)
        if mnem.startswith("j"):
            target = re.match(r"([0-9a-f]+)\b", ops)
            if not target or not lo <= int(target.group(1), 16) <= hi:
                return "jumps outside itself at %#x (%s)" % (a, ops)
    if not any(m.startswith("ret") for _, m, _ in insns):
        return "has no ret"
    return None


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    failed = 0
    if why_not_leaf(bodies(PLANTED)["lx_sys_planted"]) is None:
        print("not ok lxleaf/planted: a handler that calls was taken for a leaf")
        failed += 1
    calls = leaves()
    if not calls:
        print("not ok lxleaf/none: no LX_LEAF call in syscalls.def")
        failed += 1
    listing = subprocess.run(["objdump", "-d", "--no-show-raw-insn", sys.argv[1]], check=True,
                             capture_output=True, text=True).stdout
    funcs = bodies(listing)
    for name, nargs in calls:
        why = why_not_leaf(funcs.get("lx_sys_" + name, []))
        if nargs > 3:
            why = "takes %d arguments (at most 3: rcx holds the return address)" % nargs
        print("ok lxleaf/%s" % name if why is None else "not ok lxleaf/%s: %s" % (name, why))
        failed += why is not None
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
