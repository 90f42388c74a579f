# IPv6 on the wire between two Mica guests (tests/inet6.sh): a server on "::" and a client that reaches it at its
# link-local address, TCP (1 MiB checked by hash, both ends' names) and UDP (datagrams echoed with their hash).
# usage: python3 v6.py server PORT PEERMAC MYMAC PEERIP4 | client SERVERMAC PORT MYMAC SERVERIP4 MYIP4
# The server listens at PORT on "::" and at PORT + 1 on its link-local address alone; IPv4 (the fixed addresses
# of mica run --wire --ip) reaches the same sockets as ::ffff:a.b.c.d.
# Prints "ok NAME" or "not ok NAME: why" for each check, and exits 0 only when every check passed.
import hashlib, random, socket, sys, time

failed = 0


def check(name, cond, why=""):
    global failed
    if cond:
        print("ok " + name, flush=True)
    else:
        failed += 1
        print("not ok %s: %s" % (name, why), flush=True)


def linklocal(mac):
    """The link-local address a MAC gives (modified EUI-64), as text."""
    b = [int(x, 16) for x in mac.split(":")]
    b[0] ^= 2
    words = [b[0] << 8 | b[1], b[2] << 8 | 0xff, 0xfe << 8 | b[3], b[4] << 8 | b[5]]
    return "fe80::" + ":".join("%x" % w for w in words)


def data():
    return random.Random(6).randbytes(1 << 20)


def server(port, peer_mac, my_mac, peer_ip4):
    scope = socket.if_nametoindex("eth0")
    ll = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    try:  # a link-local address needs its interface, as on Linux
        ll.bind((linklocal(my_mac), port + 1, 0, 0))
        check("server-bind-noscope-einval", False, "bound without a scope id")
    except OSError as e:
        check("server-bind-noscope-einval", e.errno == 22, repr(e))
    ll.bind((linklocal(my_mac), port + 1, 0, scope))
    ll.listen(1)
    t = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    check("server-v6only-default", t.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY) == 0)
    t.bind(("::", port))
    t.listen(4)
    u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    u.bind(("::", port))
    print("listening", flush=True)
    t.settimeout(120)
    c, peer = t.accept()
    mine = c.getsockname()
    check("server-peer", peer[0] == linklocal(peer_mac) and peer[3] == scope, repr(peer))
    check("server-name", mine[0].startswith("fe80::") and mine[1] == port and mine[3] == scope, repr(mine))
    h = hashlib.sha256()
    n = 0
    c.settimeout(60)
    while True:
        b = c.recv(65536)
        if not b:
            break
        h.update(b)
        n += len(b)
    c.sendall(("%d %s\n" % (n, h.hexdigest())).encode())
    c.close()
    ll.settimeout(60)
    c, peer = ll.accept()
    c.sendall(b"link-local\n")
    c.close()
    ll.close()
    c, peer = t.accept()  # IPv4 to the dual-stack listener
    check("server-v4-mapped-peer", peer[0] == "::ffff:" + peer_ip4, repr(peer))
    c.sendall(("%s %s\n" % (peer[0], c.getsockname()[0])).encode())
    c.close()
    # UDP: answer every datagram with its hash and length, from the same port, until the client says "end".
    u.settimeout(60)
    answered = 0
    seen_v4 = False
    while True:
        try:
            b, src = u.recvfrom(4096)
        except socket.timeout:
            break
        if b == b"end":
            u.sendto(b"bye", src)
            break
        if not answered:
            check("server-udp-source", src[0] == linklocal(peer_mac) and src[3] == scope, repr(src))
        if src[0].startswith("::ffff:") and not seen_v4:
            check("server-udp-v4-mapped-source", src[0] == "::ffff:" + peer_ip4, repr(src))
            seen_v4 = True
        u.sendto(("%d %s" % (len(b), hashlib.sha256(b).hexdigest())).encode(), src)
        answered += 1
    check("server-udp", answered >= 1, "no datagram came")
    t.close()
    u.close()


def client(server_mac, port, my_mac, server_ip4, my_ip4):
    scope = socket.if_nametoindex("eth0")
    dest = linklocal(server_mac)
    # a link-local address needs its interface, as on Linux
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    try:
        s.connect((dest, port, 0, 0))
        check("client-noscope-einval", False, "connected without a scope id")
    except OSError as e:
        check("client-noscope-einval", e.errno == 22, repr(e))
    s.close()
    end = time.time() + 90
    while True:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.settimeout(10)
        try:
            s.connect((dest, port, 0, scope))
            break
        except OSError as e:
            s.close()
            if time.time() > end:
                check("client-connect", False, repr(e))
                return
            time.sleep(1)
    check("client-connect", True)
    peer, mine = s.getpeername(), s.getsockname()
    check("client-peer", peer[0] == dest and peer[1] == port and peer[3] == scope, repr(peer))
    check("client-name", mine[0] == linklocal(my_mac) and mine[3] == scope, repr(mine))
    # /proc/net/tcp6: the connection's row, addresses as the 32-bit words they make in memory, in hex
    words = lambda a: "".join("%08X" % int.from_bytes(a[i:i + 4], "little") for i in range(0, 16, 4))
    row = "%s:%04X %s:%04X 01" % (words(socket.inet_pton(socket.AF_INET6, mine[0])), mine[1],
                                  words(socket.inet_pton(socket.AF_INET6, dest)), port)
    with open("/proc/net/tcp6") as f:
        table = f.read()
    check("client-proc-tcp6", row in table, "no row %r in %r" % (row, table))
    d = data()
    s.settimeout(60)
    s.sendall(d)
    s.shutdown(socket.SHUT_WR)
    got = b""
    while True:
        b = s.recv(4096)
        if not b:
            break
        got += b
    want = "%d %s\n" % (len(d), hashlib.sha256(d).hexdigest())
    check("client-tcp-1mib", got.decode() == want, "%r, not %r" % (got, want))
    s.close()
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect((dest, port + 1, 0, scope))
    got = s.recv(100)
    check("client-tcp-bound-address", got == b"link-local\n", repr(got))
    s.close()
    # IPv4 through an AF_INET6 socket, IPv4-mapped
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect(("::ffff:" + server_ip4, port))
    got = s.recv(100).decode()
    peer = s.getpeername()
    want = "::ffff:%s ::ffff:%s\n" % (my_ip4, server_ip4)
    check("client-tcp-v4-mapped", got == want and peer[:2] == ("::ffff:" + server_ip4, port), "%r %r" % (got, peer))
    s.close()
    # an IPv4 address for an IPv6-only socket: ENETUNREACH, as on Linux
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    try:
        s.connect(("::ffff:10.0.2.77", port))
        check("client-v6only-v4-unreachable", False, "connected")
    except OSError as e:
        check("client-v6only-v4-unreachable", e.errno == 101, repr(e))
    s.close()
    u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    u.settimeout(3)
    rnd = random.Random(7)
    good = 0
    for i in range(20):
        b = rnd.randbytes(1 + rnd.randrange(1200))
        u.sendto(b, (dest, port, 0, scope))
        try:
            r, src = u.recvfrom(4096)
        except socket.timeout:
            continue
        if r.decode() == "%d %s" % (len(b), hashlib.sha256(b).hexdigest()) and src[0] == dest and src[1] == port:
            good += 1
    check("client-udp", good >= 18, "%d of 20 datagrams answered right" % good)
    # a connected UDP socket: send and recv, its peer's name
    c = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    c.connect((dest, port, 0, scope))
    c.settimeout(3)
    want, got = "9 " + hashlib.sha256(b"connected").hexdigest(), ""
    for i in range(5):
        c.send(b"connected")
        try:
            got = c.recv(4096).decode()
            break
        except socket.timeout:
            pass
    peer = c.getpeername()
    check("client-udp-connected", got == want and peer[:2] == (dest, port) and peer[3] == scope, "%r %r" % (got, peer))
    c.close()
    # UDP over IPv4 from an AF_INET socket
    u4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u4.settimeout(3)
    got, src = "", None
    for i in range(5):
        u4.sendto(b"over IPv4", (server_ip4, port))
        try:
            r, src = u4.recvfrom(4096)
            got = r.decode()
            break
        except socket.timeout:
            pass
    want = "9 " + hashlib.sha256(b"over IPv4").hexdigest()
    check("client-udp-v4", got == want and src == (server_ip4, port), "%r %r" % (got, src))
    u4.close()
    for i in range(5):
        u.sendto(b"end", (dest, port, 0, scope))
        try:
            if u.recvfrom(16)[0] == b"bye":
                break
        except socket.timeout:
            pass
    u.close()


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "server":
        server(int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5])
    elif len(sys.argv) == 7 and sys.argv[1] == "client":
        client(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6])
    else:
        sys.exit("usage: v6.py server PORT PEERMAC MYMAC PEERIP4 | client SERVERMAC PORT MYMAC SERVERIP4 MYIP4")
    sys.exit(1 if failed else 0)
