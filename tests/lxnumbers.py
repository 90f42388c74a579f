#!/usr/bin/env python3
"""No Linux number in lx's C files: Linux's ABI constants are named in libos/lx/linux.h (and the files it
includes), syscall numbers and their flags in libos/lx/syscalls.def; the .c files use the names.

usage: tests/lxnumbers.py [FILE...]   (default: libos/lx/*.c)

Comments, strings and character constants are blanked first. Then, in each .c file, these are errors:
  define   a #define of a Linux ABI name (an errno E*, SIG*, SA_*, O_*, AT_*, F_*, MAP_*, CLONE_*, FUTEX_*,
           W*, EPOLL*, SOCK_*, TIOC*, ...: the prefixes in LINUX_NAME below): it belongs in linux.h
  errno    `return -N;` with a number N > 0, or a home-made errno name ending in `_` (ECHILD_)
  signal   a number other than 0 compared with a signal (`sig == 18`, `signo != 13`), in BIT(N), or as an
           argument of lx_signal_send, lx_exit_signal, lx_signal_group or lx_signal_fault (signal numbers and
           si_code values alike)
  ioctl    a hexadecimal number of four or more digits in a case label or compared with a request
           (`case 0x5429:`, `req == 0x540E`)
  flag     a number other than 0 OR'ed with something (`WNOHANG | 2 | 8`, `sig << 8 | 0x7F`): a flag or a
           field of an encoded value that Linux defines
Before looking at the files it checks that each rule finds its planted example (PLANTED), so that a rule
that stops matching fails too. Prints one "not ok lxnumbers/FILE:LINE: rule: code" per finding and a
summary line; exits 1 when anything was found.
"""
import glob
import os
import re
import sys

LINUX_NAME = re.compile(
    r"#\s*define\s+(E[A-Z0-9]+_?|SIG[A-Z0-9_]*|SA_\w+|SS_\w+|SI_\w+|CLD_\w+|O_\w+|AT_\w+|F_\w+|FD_\w+|MAP_\w+|"
    r"PROT_\w+|MADV_\w+|MS_\w+|MREMAP_\w+|CLONE_\w+|FUTEX_\w+|ROBUST_\w+|W(NOHANG|UNTRACED|CONTINUED|EXITED|"
    r"STOPPED|NOWAIT)|P_(ALL|PID|PGID)|EPOLL\w*|EFD_\w+|TFD_\w+|MFD_\w+|SOCK_\w+|AF_\w+|SOL_\w+|SO_\w+|"
    r"SHUT_\w+|POLL(IN|OUT|ERR|HUP|NVAL|PRI|RDHUP|RDNORM|WRNORM|RDBAND|WRBAND)|LOCK_(SH|EX|NB|UN)|ITIMER_\w+|SIGEV_\w+|TIMER_ABSTIME|CLOCK_\w+|RLIMIT_\w+|RLIM_\w+|"
    r"TIOC\w+|TC\w+|FIO\w+|CAP_\w+|CLOSE_RANGE_\w+|IOV_MAX|RENAME_\w+|S_I\w+|ICRNL|OPOST|ONLCR|B\d+|CS\d|"
    r"CREAD|ISIG|ICANON|ECHO\w*|IEXTEN|FD_SETSIZE\w*|NSIG|GRND_\w+|PR_\w+|ARCH_\w+|RUSAGE_\w+|PRIO_\w+|"
    r"LINUX_REBOOT\w*|UTIME_\w+|SEEK_\w+|DT_\w+)\b")
NUM = r"(?:0[xX][0-9a-fA-F]+|[0-9]+)[uUlL]*"
NONZERO = r"(?:0[xX][0-9a-fA-F]*[1-9a-fA-F][0-9a-fA-F]*|[1-9][0-9]*)[uUlL]*"
RULES = [
    ("define", LINUX_NAME),
    ("errno", re.compile(r"\breturn\s+-\s*" + NONZERO + r"\s*;|\bE[A-Z0-9]+_\b")),
    ("signal", re.compile(r"\b(sig|signo|signal|usig)\w*\s*(?:[=!]=|[<>]=?)\s*" + NONZERO + r"(?!\w)|\bBIT\(\s*" + NONZERO +
                          r"\s*\)|\b(lx_signal_send|lx_exit_signal|lx_signal_group|lx_signal_fault)\s*\([^;]*?(?<![\w.\[])"
                          + NONZERO + r"(?![\w.\]])")),
    ("ioctl", re.compile(r"\bcase\s+0[xX][0-9a-fA-F]{4,}[uUlL]*\s*:|\b(req|request|cmd)\s*[=!]=\s*0[xX][0-9a-fA-F]{4,}")),
    ("flag", re.compile(r"(?<!\|)\|\s*" + NONZERO + r"(?![\w.])|(?<![\w.])(?<!<<\s)(?<!>>\s)" + NONZERO + r"\s*\|(?!\|)")),
]
# One example per rule that the rule must find, and code it must leave alone.
PLANTED = {
    "define": "#define ECHILD_ 10\n#define SIGCHLD 17\n",
    "errno": "\treturn -10;\n\treturn -ECHILD_;\n",
    "signal": "\tif (sig == 18)\n\tx = BIT(17);\n\tlx_signal_send(NULL, 13, 0);\n\tlx_signal_group(g, c ? 2 : 3);\n",
    "ioctl": "\tcase 0x5429: /* TIOCGSID */\n",
    "flag": "\tif (options & ~(WNOHANG | 2 | 8))\n",
}
CLEAN = ("#define POLL_MAX 1024\n\treturn -EINVAL;\n\tif (sig == 0)\n\tx = a | b;\n\tif (a || 1)\n"
         "\tcase 3:\n\tn = (x + 1) & ~(PAGE_SIZE - 1);\n\tlx_signal_send(t, SIGPIPE, SI_USER);\n"
         "\tfor (int sig = 1; sig <= NSIG; sig++)\n\tx = a << 8 | b;\n\tlx_signal_group(g, c == cc[1] ? SIGINT : SIGTSTP);\n")


def blank(text):
    """text with comments, strings and character constants replaced by spaces (newlines kept)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(c + " " * (min(j, n) - i - 1) + (c if j < n else ""))
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def findings(text):
    """(line number, rule, line) for every match in text."""
    code = blank(text)
    lines, src = code.split("\n"), text.split("\n")
    found = []
    for no, line in enumerate(lines, 1):
        for name, rx in RULES:
            if rx.search(line):
                found.append((no, name, src[no - 1].strip()))
    return found


def selftest():
    """Failures of the rules on the planted examples, as messages."""
    bad = []
    for name, example in PLANTED.items():
        hits = {r for _, r, _ in findings(example)}
        lines = len(example.rstrip("\n").split("\n"))
        per_line = [{r for n, r, _ in findings(example) if n == k} for k in range(1, lines + 1)]
        if name not in hits or any(name not in s for s in per_line):
            bad.append("rule %s misses a planted example: %r" % (name, example))
    for no, rule, line in findings(CLEAN):
        bad.append("rule %s flags clean code: %s" % (rule, line))
    return bad


def main():
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    files = sys.argv[1:] or sorted(glob.glob("libos/lx/*.c"))
    errors = 0
    for msg in selftest():
        print("not ok lxnumbers/planted: " + msg)
        errors += 1
    if not errors:
        print("ok lxnumbers/planted (each rule finds its planted example and passes clean code)")
    found = 0
    for f in files:
        with open(f) as fh:
            for no, rule, line in findings(fh.read()):
                print("not ok lxnumbers/%s:%d: %s: %s" % (f, no, rule, line))
                found += 1
    if not found:
        print("ok lxnumbers/files (%d files name every Linux number)" % len(files))
    return 1 if errors or found else 0


if __name__ == "__main__":
    sys.exit(main())
