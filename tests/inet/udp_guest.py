# The guest's side of tests/udp.sh, run by Debian's python3 inside Mica.
# usage: udp_guest.py serve            UDP echo on 7 (AF_INET, in a child process: its datagrams come through pid 1),
#                                       the peer's address on 9 (AF_INET6 on ::), TCP echo on 8000
#        udp_guest.py forward PORT CLOSED OTHER
#            as a client of the host's UDP echo server at 10.0.2.100:PORT (--forward PORT/udp); CLOSED is forwarded
#            with nothing behind it on the host, OTHER is not forwarded. Prints "ok NAME" or "not ok NAME: why".
import errno
import os
import select
import socket
import sys


def serve():
    echo = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    echo.bind(("0.0.0.0", 7))
    who = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    who.bind(("::", 9))
    tcp = socket.socket()
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tcp.bind(("0.0.0.0", 8000))
    tcp.listen(8)
    if os.fork() == 0:
        while True:
            data, peer = echo.recvfrom(65535)
            echo.sendto(data, peer)
    echo.close()
    print("ready", flush=True)
    while True:
        for s in select.select([who, tcp], [], [])[0]:
            if s is who:
                data, peer = who.recvfrom(65535)
                who.sendto(("%s %d" % (peer[0], peer[1])).encode(), peer)
            else:
                c, _ = tcp.accept()
                c.sendall(c.recv(4096))
                c.close()


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


def forward(port, closed, other):
    host = ("10.0.2.100", port)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sizes = (0, 1, 100, 1472, 1473, 4000, 20000, 65507)
    bad = []
    for n in sizes:
        data = os.urandom(n)
        reply, src = exchange(s, data, host)
        if reply != data or src != host:
            bad.append("%d bytes: %s from %s" % (n, "no reply" if reply is None else "%d bytes" % len(reply), src))
    check("forward-sizes", not bad, "; ".join(bad))
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    c.connect(host)
    c.settimeout(10)
    c.send(b"connected")
    try:
        reply = c.recv(100)
    except socket.timeout:
        reply = None
    check("forward-connected", reply == b"connected", repr(reply))
    check("forward-connected-names", c.getpeername() == host and c.getsockname()[0] == "10.0.2.15",
          "%s %s" % (c.getpeername(), c.getsockname()))
    # off eth0's subnet, with no router (QEMU offers a restricted guest none): no route, as Linux says (a UDP
    # connect sends nothing)
    n = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        n.connect(("192.0.2.1", port))
        e = "connected"
    except OSError as x:
        e = errno.errorcode.get(x.errno, x.errno)
    check("forward-no-route", e == "ENETUNREACH", e)
    reply, _ = exchange(s, b"nobody", ("10.0.2.100", other), 3)
    check("forward-other-port-dropped", reply is None, repr(reply))
    reply, _ = exchange(s, b"nobody", ("10.0.2.100", closed), 3)
    check("forward-no-listener-dropped", reply is None, repr(reply))
    reply, _ = exchange(s, b"still", host)
    check("forward-after-drops", reply == b"still", repr(reply))
    s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    reply, src = exchange(s6, b"mapped", ("::ffff:10.0.2.100", port))
    check("forward-v4-mapped", reply == b"mapped" and src[:2] == ("::ffff:10.0.2.100", port), "%r %s" % (reply, src))
    # many at once: the replies, in whatever order, are those sent
    s.settimeout(10)
    want = set()
    for i in range(40):
        d = b"burst %d " % i + os.urandom(200)
        want.add(d)
        s.sendto(d, host)
    got = set()
    try:
        while len(got) < len(want):
            got.add(s.recv(65535))
    except socket.timeout:
        pass
    check("forward-burst", got == want, "%d of %d replies, %d foreign" % (len(got & want), len(want), len(got - want)))


if sys.argv[1] == "serve":
    serve()
else:
    forward(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
