#!/usr/bin/env python3
"""Type at a program on a console: wait for what it prints, then send the next keys (the interactive tests' one helper).

usage: tests/expect.py [-t SECONDS] [-s ROWSxCOLS] STEP... -- CMD [ARGS...]

CMD runs with its input and output on pipes, or with -s on a terminal (a pty) of that window size; its
output (stdout and stderr) is copied to stdout. The steps
go in order:
  <TEXT   wait until TEXT appears in the output after what the last wait found (SECONDS each, default 30)
  >TEXT   type TEXT; C escapes (\\n, \\r, \\003, \\x1a ...) stand for their bytes
  =RxC    (with -s) resize the terminal to R rows and C columns, and send SIGWINCH to CMD's process group,
          as a terminal does to its foreground group
After the last step CMD's input is closed and it runs to its end. Exits with CMD's status, or, when a wait
times out or the output ends before TEXT came, stops CMD, says what it waited for on stderr and exits 124.
"""
import fcntl
import os
import pty
import select
import struct
import termios
import signal
import subprocess
import sys
import time

TIMED_OUT = 124


def usage():
    """Say how to call this, and exit 2."""
    sys.stderr.write(__doc__)
    sys.exit(2)


def parse(argv):
    """The wait limit, the steps and the command from argv; exits 2 on a usage error."""
    limit, steps, size = 30.0, [], None
    args = list(argv)
    while args and args[0] != "--":
        a = args.pop(0)
        if a == "-t" and args:
            limit = float(args.pop(0))
        elif a == "-s" and args and args[0].count("x") == 1 and args[0].replace("x", "").isdigit():
            size = tuple(int(v) for v in args.pop(0).split("x"))
        elif a[:1] == "=" and a[1:].count("x") == 1 and a[1:].replace("x", "").isdigit():
            steps.append(("=", tuple(int(v) for v in a[1:].split("x"))))
        elif a[:1] in ("<", ">"):
            steps.append((a[0], a[1:].encode("latin-1").decode("unicode_escape").encode("latin-1")))
        else:
            usage()
    if len(args) < 2 or (size is None and any(kind == "=" for kind, _ in steps)):
        usage()
    return limit, steps, size, args[1:]


class Console:
    """CMD's output as it comes, copied to stdout, with the position the last wait matched up to."""

    def __init__(self, proc, out):
        self.proc, self.out, self.seen, self.pos, self.ended = proc, out, b"", 0, False

    def pump(self, until):
        """Read what CMD printed, waiting until the monotonic time until at most; False once it ended."""
        left = until - time.monotonic()
        ready, _, _ = select.select([self.out], [], [], max(left, 0))
        if not ready:
            return True
        try:
            chunk = os.read(self.out, 4096)
        except OSError:  # a pty's master once every slave descriptor is closed
            chunk = b""
        if not chunk:
            self.ended = True
            return False
        sys.stdout.buffer.write(chunk)
        sys.stdout.flush()
        self.seen += chunk
        return True

    def wait_for(self, text, limit):
        """True once text appeared after the last match; False on timeout or end of output."""
        until = time.monotonic() + limit
        while True:
            at = self.seen.find(text, self.pos)
            if at >= 0:
                self.pos = at + len(text)
                return True
            if self.ended or time.monotonic() >= until or not self.pump(until):
                return False


def start(cmd, size):
    """CMD started on pipes, or on a new pty of size (rows, cols): the process, its output's and input's fds."""
    if size is None:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                start_new_session=True)
        return proc, proc.stdout.fileno(), proc.stdin.fileno()
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[0], size[1], 0, 0))
    proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    return proc, master, master


def main():
    limit, steps, size, cmd = parse(sys.argv[1:])
    proc, out, into = start(cmd, size)
    con = Console(proc, out)
    for kind, text in steps:
        if kind == ">":
            try:
                os.write(into, text)
            except OSError:
                pass  # it ended; the next wait says so
        elif kind == "=":
            fcntl.ioctl(into, termios.TIOCSWINSZ, struct.pack("HHHH", text[0], text[1], 0, 0))
            os.killpg(proc.pid, signal.SIGWINCH)
        elif not con.wait_for(text, limit):
            why = "the output ended" if con.ended else "%g s passed" % limit
            sys.stderr.write("expect: waited for %r, but %s\n" % (text.decode("latin-1"), why))
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return TIMED_OUT
    if size is None:
        try:
            proc.stdin.close()
        except BrokenPipeError:
            pass
    while con.pump(time.monotonic() + 3600):
        pass
    return proc.wait()


if __name__ == "__main__":
    sys.exit(main())
