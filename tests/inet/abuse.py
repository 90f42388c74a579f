#!/usr/bin/env python3
"""Bad input for a server in Mica published with `mica run -p` (tests/inet.sh): connections dropped half-open,
garbage to every published port, a burst of connects abandoned at once; then the server must still answer a
whole request and lx must hold again what it held when idle (the server's descriptors, the TCP sockets of
/proc/net/tcp but those in TIME_WAIT, which lwIP ends by itself) within 30 s: a reset lost in a burst (a full
receive ring) leaves a connection that only the server's TCP keep-alive (2 s idle, 3 probes 1 s apart) ends.
Only 127.0.0.1.

usage: abuse.py HTTP_PORT OTHER_PORT   (OTHER_PORT is published too; nothing listens behind it in the guest)
Prints "ok inet/abuse-NAME" or "not ok inet/abuse-NAME: why" per check; exits 1 if any failed.
"""
import random
import select
import socket
import struct
import sys
import time

HOST = "127.0.0.1"
GREETING = b"hello from the server under test\n"
failed = 0


def check(name, cond, why=""):
    global failed
    print(("ok inet/abuse-" + name) if cond else ("not ok inet/abuse-%s: %s" % (name, why)), flush=True)
    failed += not cond


def fetch(port, path, timeout=30):
    """The whole answer to GET path (head and body), or None."""
    try:
        with socket.create_connection((HOST, port), timeout=timeout) as s:
            s.sendall(b"GET " + path + b" HTTP/1.0\r\n\r\n")
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    return data
                data += chunk
    except OSError:
        return None


def state(port):
    """The server's open descriptors, the states of the /proc/net/tcp rows not in TIME_WAIT (st 06), the count of
    all rows, and eth0's frames received and dropped (/proc/net/dev); or None."""
    data = fetch(port, b"/state")
    if not data or b"\r\n\r\n" not in data:
        return None
    lines = data.split(b"\r\n\r\n", 1)[1].decode().splitlines()
    if len(lines) < 3 or not lines[0].startswith("fds ") or not lines[1].startswith("eth0:") or \
            "local_address" not in lines[2]:
        return None
    rows = [l.split() for l in lines[3:]]
    dev = lines[1].split()
    return int(lines[0][4:]), sorted(r[3] for r in rows if r[3] != "06"), len(rows), int(dev[2]), int(dev[4])


def abort(s):
    """Close s with a reset (SO_LINGER 0) rather than a FIN."""
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def connects(port, n, wait):
    """n non-blocking connects to port at once: those connected within wait seconds, and the others."""
    pending = set()
    for _ in range(n):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex((HOST, port))
        pending.add(s)
    made, end = [], time.time() + wait
    while pending and time.time() < end:
        _, ready, _ = select.select([], list(pending), [], max(0, end - time.time()))
        for s in ready:
            pending.discard(s)
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                made.append(s)
            else:
                s.close()
    return made, pending


def half_open(port, total, batch):
    """total connections, batch at a time: each connects, sends part of a request, and is closed or reset."""
    made, start = 0, time.time()
    while made < total and time.time() - start < 120:
        socks, late = connects(port, min(batch, total - made), 5)
        for i, s in enumerate(socks):
            try:
                s.send(b"GET / HTTP/1.1\r\nHost: x"[: 1 + (made + i) % 20])
            except OSError:
                pass
            abort(s) if i % 2 else s.close()
        for s in late:
            abort(s)
        made += len(socks)
    return made


def garbage(ports, each):
    """each connections to every port, each sending 4 KiB of random bytes then closing: how many sent."""
    rnd = random.Random(12)
    sent = 0
    for port in ports:
        for _ in range(each):
            try:
                with socket.create_connection((HOST, port), timeout=10) as s:
                    s.sendall(bytes(rnd.getrandbits(8) for _ in range(4096)))
                    sent += 1
            except OSError:
                pass
    return sent


def burst(port, n):
    """n non-blocking connects at once, all reset right away."""
    socks, late = connects(port, n, 0)
    for s in socks + list(late):
        abort(s)


def main():
    port, other = int(sys.argv[1]), int(sys.argv[2])
    idle = state(port)
    check("idle-state", idle is not None, "no /state from the server")
    if idle is None:
        return 1
    t0 = time.time()
    made = half_open(port, 2000, 50)
    check("half-open-2000", made == 2000, "%d of 2000 connected" % made)
    sent = garbage([port, other], 25)
    check("garbage-every-port", sent >= 25, "%d of 50 garbage connections sent" % sent)
    burst(port, 500)
    burst(other, 100)
    print("# abuse took %.1f s" % (time.time() - t0), flush=True)
    page = fetch(port, b"/", timeout=60)
    check("serves-after", page is not None and page.startswith(b"HTTP/1.0 200 OK\r\n") and page.endswith(
        b"\r\n\r\n" + GREETING), "answer %r" % (page[:80] if page else page))
    bad = fetch(port, b"\x01garbage")
    check("refuses-garbage-after", bad is not None and bad.startswith(b"HTTP/1.0 400 "), "answer %r" % bad)
    now = None
    for _ in range(30):  # resets and FINs on their way through QEMU; TCP keep-alive (5 s) for a reset lost
        now = state(port)
        if now and now[0] == idle[0] and now[1] == idle[1]:
            break
        time.sleep(1)
    check("descriptors-freed", now is not None and now[0] == idle[0],
          "the server has %s descriptors open, %d when idle" % (now and now[0], idle[0]))
    check("tcp-sockets-freed", now is not None and now[1] == idle[1],
          "states of the /proc/net/tcp rows not in TIME_WAIT %s, when idle %s" % (now and now[1], idle[1]))
    if now:
        print("# /proc/net/tcp: %d rows idle, %d after (TIME_WAIT included); eth0: %d frames in, %d dropped" % (
            idle[2], now[2], now[3] - idle[3], now[4] - idle[4]))
    return 1 if failed else 0


sys.exit(main())
