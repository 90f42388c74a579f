# The host's side of tests/udp.sh.
# usage: udp_host.py echo PORT           a UDP echo server on 127.0.0.1:PORT (prints "ready", runs until killed)
#        udp_host.py client ECHO WHO TCP  checks udp_guest.py's server through -p 127.0.0.1:ECHO:7/udp,
#            -p 127.0.0.1:WHO:9/udp and -p 127.0.0.1:TCP:8000; prints "ok NAME" or "not ok NAME: why"
import os
import socket
import sys
import threading
import time


def echo(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port))
    print("ready", flush=True)
    while True:
        data, peer = s.recvfrom(65535)
        s.sendto(data, peer)


def check(name, cond, why=""):
    print(("ok " if cond else "not ok ") + name + ("" if cond else ": " + why), flush=True)


def exchange(s, data, to, wait=10.0):
    """Send data to to; the reply and its source, or (None, None) when none comes within wait seconds."""
    s.settimeout(wait)
    s.sendto(data, to)
    try:
        return s.recvfrom(65535)
    except socket.timeout:
        return None, None


def client(eport, wport, tport):
    ep = ("127.0.0.1", eport)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    end = time.monotonic() + 120
    while time.monotonic() < end and exchange(s, b"up?", ep, 1)[0] != b"up?":
        pass
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # (the first may yet get answers to earlier tries)
    bad = []
    for n in (0, 1, 100, 1472, 1473, 4000, 20000, 65507):
        data = os.urandom(n)
        reply, src = exchange(s, data, ep)
        if reply != data or src != ep:
            bad.append("%d bytes: %s from %s" % (n, "no reply" if reply is None else "%d bytes" % len(reply), src))
    check("published-sizes", not bad, "; ".join(bad))

    # several clients at once, each with its own socket: every reply goes to the client that asked
    results = {}

    def one(k):
        c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        good = 0
        for i in range(25):
            data = b"client %d datagram %d " % (k, i) + os.urandom(64)
            for _ in range(3):  # UDP may lose one: ask again
                reply, src = exchange(c, data, ep, 3)
                if reply is not None:
                    break
            good += reply == data and src == ep
        results[k] = good

    threads = [threading.Thread(target=one, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check("published-6-clients", all(results.get(k) == 25 for k in range(6)), repr(results))

    # the guest sees the datagram from 10.0.2.2, from the client's own port (AF_INET6 on ::, v4-mapped)
    w = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    w.bind(("127.0.0.1", 0))
    reply, _ = exchange(w, b"who", ("127.0.0.1", wport))
    want = "::ffff:10.0.2.2 %d" % w.getsockname()[1]
    check("published-peer-address", reply == want.encode(), "%r, not %r" % (reply, want))

    # TCP's -p on the same network still works
    try:
        t = socket.create_connection(("127.0.0.1", tport), timeout=30)
        t.sendall(b"tcp beside udp")
        got = t.recv(100)
    except OSError as e:
        got = repr(e).encode()
    check("published-tcp-beside", got == b"tcp beside udp", repr(got))


if sys.argv[1] == "echo":
    echo(int(sys.argv[2]))
else:
    client(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
