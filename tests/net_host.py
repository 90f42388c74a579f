#!/usr/bin/env python3
"""The native packet environment (user/netecho) driven from the host through a dgram backend on 127.0.0.1.

QEMU's virtio-net device sends every guest frame as one UDP datagram to this script's socket and takes
every datagram this script sends to its own socket as one received frame, so the script speaks Ethernet
itself: ARP, ICMP echo, UDP echo to two environments side by side, then malformed frames, and checks
the counters. usage: net_host.py KERNEL IMAGE [ECHOES] [BAD_FRAMES]

With --bench it only measures, under instruction counting: the guest's busy instructions per UDP echo,
its clock less its idle time (both in the echo server's "stats" answer) over ECHOES echoes, for Mica
(user/netecho, booted by tools/boot) or for Linux (bench/udpecho.c as init of Debian's kernel, booted
by QEMU itself in the same machine). It prints "bench udp_echo_busy BUSY ECHOES".
usage: net_host.py --bench mica KERNEL IMAGE ECHOES CPU
       net_host.py --bench linux VMLINUZ INITRD ECHOES CPU

With --hostfwd it sends ECHOES datagrams through QEMU's user networking instead, as a client of
hostfwd=udp:127.0.0.1:PORT-10.0.2.15:7, and checks that each comes back exactly. QEMU's user
networking drops every UDP datagram a guest sends under restrict=on (only its own DHCP and TFTP
servers are answered), so no reply could come back; this mode runs with restrict=off, and only in a
network namespace of its own whose one interface is loopback (tests/net.sh starts it with unshare -n):
it checks that first, so nothing can leave the machine whatever the guest sends.
usage: net_host.py --hostfwd KERNEL IMAGE ECHOES
"""
import fcntl
import os
import random
import socket
import struct
import subprocess
import sys
import time

GUEST_IP = bytes([10, 0, 2, 15])
HOST_IP = bytes([10, 0, 2, 2])
HOST_MAC = bytes.fromhex("525500000002")
BROADCAST = b"\xff" * 6
ETH_IP, ETH_ARP = 0x0800, 0x0806
PORT_A, PORT_B = 7, 8
FRAME_MAX = 1518          # the longest frame the kernel takes (include/mica/net.h NET_FRAME_MAX)
DEVICE_MAX = 2048 - 12    # the longest the device delivers: its buffer less the virtio-net header
UDP_MAX = 1472            # the longest UDP payload in a 1514-byte frame
WAIT = 2.0                # seconds for one answer
BOOT_WAIT = 60.0          # seconds for the environment to come up
BATCH = 50                # malformed frames between two probes
TOTAL = 150.0             # seconds for the whole conversation: past it, nothing more is waited for
MAX_MISSES = 5            # answers missed in a row before a test gives up
failures = 0
deadline = time.monotonic() + TOTAL


def report(name, ok, detail=""):
    global failures
    print(("ok net/%s" % name) if ok else ("not ok net/%s: %s" % (name, detail)), flush=True)
    failures += not ok


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip_packet(proto, payload, src=HOST_IP, dst=GUEST_IP, total=None):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total if total is not None else 20 + len(payload),
                      0, 0, 64, proto, 0, src, dst)
    hdr = hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]
    return hdr + payload


def udp_frame(mac, sport, dport, data, ulen=None, total=None):
    udp = struct.pack("!HHHH", sport, dport, ulen if ulen is not None else 8 + len(data), 0) + data
    return eth(mac, ETH_IP, ip_packet(17, udp, total=total))


def eth(dst, etype, payload):
    return dst + HOST_MAC + struct.pack("!H", etype) + payload


def arp_request():
    return eth(BROADCAST, ETH_ARP, struct.pack("!HHBBH6s4s6s4s", 1, ETH_IP, 6, 4, 1, HOST_MAC, HOST_IP,
                                               b"\0" * 6, GUEST_IP))


class Link:
    """The host end of the guest's network: one UDP socket, one datagram per frame."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        self.port = self.sock.getsockname()[1]
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        probe.bind(("127.0.0.1", 0))
        self.qemu_port = probe.getsockname()[1]
        probe.close()

    def send(self, frame):
        self.sock.sendto(frame, ("127.0.0.1", self.qemu_port))

    def recv(self, want, timeout=WAIT):
        """The first frame for which want(frame) holds, or None after timeout seconds."""
        end = min(time.monotonic() + timeout, deadline)
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                frame, _ = self.sock.recvfrom(65536)
            except socket.timeout:
                return None
            if want(frame):
                return frame


def is_udp_reply(frame, sport, dport):
    return (len(frame) >= 42 and frame[12:14] == b"\x08\x00" and frame[23] == 17 and
            struct.unpack("!HH", frame[34:38]) == (sport, dport))


def udp_payload(frame):
    ulen = struct.unpack("!H", frame[38:40])[0]
    return frame[42:34 + ulen]


def echo(link, mac, port, data, sport=40000):
    link.send(udp_frame(mac, sport, port, data))
    reply = link.recv(lambda f: is_udp_reply(f, port, sport))
    return None if reply is None else udp_payload(reply)


def stats(link, mac, port):
    text = echo(link, mac, port, b"stats", sport=40001)
    if text is None:
        return None
    words = text.decode().split()
    out, prefix = {}, ""
    for i in range(0, len(words) - 1):
        if words[i] == "kernel":
            prefix = "k_"
        elif not words[i].isdigit() and words[i + 1].isdigit():
            out[prefix + words[i]] = int(words[i + 1])
    return out


def wait_arp(link):
    """Ask for the guest's address until the environment answers; its MAC, or None."""
    end = time.monotonic() + BOOT_WAIT
    while time.monotonic() < end:
        link.send(arp_request())
        reply = link.recv(lambda f: len(f) >= 42 and f[12:14] == b"\x08\x06" and f[20:22] == b"\x00\x02", 0.5)
        if reply is not None:
            ok = reply[28:32] == GUEST_IP and reply[38:42] == HOST_IP and reply[32:38] == HOST_MAC
            return reply[22:28] if ok else None
    return None


def test_icmp(link, mac, n=20):
    good = 0
    for seq in range(n):
        data = bytes(random.randrange(256) for _ in range(56))
        icmp = struct.pack("!BBHHH", 8, 0, 0, 0x4D49, seq) + data
        icmp = icmp[:2] + struct.pack("!H", checksum(icmp)) + icmp[4:]
        link.send(eth(mac, ETH_IP, ip_packet(1, icmp)))
        r = link.recv(lambda f: len(f) >= 42 and f[23] == 1 and f[34] == 0)
        good += (r is not None and r[38:40] == b"\x4d\x49" and struct.unpack("!H", r[40:42])[0] == seq and
                 r[42:42 + len(data)] == data and checksum(r[34:14 + struct.unpack("!H", r[16:18])[0]]) == 0)
    report("icmp-echo", good == n, "%d of %d answered correctly" % (good, n))


def echo_many(link, mac, port, payloads):
    """How many of payloads came back exactly, stopping after MAX_MISSES missed in a row."""
    good = misses = 0
    for data in payloads:
        ok = echo(link, mac, port, data) == data
        good += ok
        misses = 0 if ok else misses + 1
        if misses == MAX_MISSES:
            break
    return good


def test_udp_echo(link, mac, n):
    start = time.monotonic()
    good = echo_many(link, mac, PORT_A, (random.randbytes(random.randrange(UDP_MAX + 1)) for _ in range(n)))
    report("udp-echo-%d" % n, good == n, "%d of %d came back exactly" % (good, n))
    return time.monotonic() - start


def test_side_by_side(link, mac, n=200):
    good = echo_many(link, mac, PORT_B, (b"b%d" % i for i in range(n)))
    a, b = stats(link, mac, PORT_A), stats(link, mac, PORT_B)
    report("second-env-echo", good == n, "%d of %d" % (good, n))
    report("second-env-sees-only-its-own", b is not None and b["port"] == PORT_B and b["rx"] == n + 1 and
           b["foreign"] == 0, str(b))
    report("first-env-sees-only-its-own", a is not None and a["port"] == PORT_A and a["foreign"] == 0, str(a))


def malformed(rng, mac):
    """One bad frame and whether the device hands it to the kernel (it drops what its buffer cannot hold)."""
    kind = rng.randrange(6)
    good = udp_frame(mac, 40002, PORT_A, b"x" * 32)
    if kind == 0:    # a runt
        f = rng.randbytes(rng.randrange(1, 14))
    elif kind == 1:  # a header cut short
        f = good[:rng.randrange(14, 42)]
    elif kind == 2:  # an IP length longer than the frame, or shorter than its headers
        f = udp_frame(mac, 40002, PORT_A, b"x" * 32, total=rng.choice([rng.randrange(61, 65536), rng.randrange(0, 28)]))
    elif kind == 3:  # a UDP length longer than the IP packet, or shorter than its header
        f = udp_frame(mac, 40002, PORT_A, b"x" * 32, ulen=rng.choice([rng.randrange(41, 65536), rng.randrange(0, 8)]))
    elif kind == 4:  # random bytes
        f = rng.randbytes(rng.randrange(14, FRAME_MAX + 1))
    else:            # oversized: some the kernel sees and drops, some the device drops
        f = mac + HOST_MAC + b"\x08\x00" + rng.randbytes(rng.randrange(FRAME_MAX + 1, 4000))
    return f, len(f) <= DEVICE_MAX


def test_malformed(link, mac, n):
    rng = random.Random(11)
    before = stats(link, mac, PORT_A)
    delivered = runts = oversized = probes = answered = 0
    sent = 0
    while sent < n:
        for _ in range(BATCH):
            f, reaches = malformed(rng, mac)
            link.send(f)
            sent += 1
            delivered += reaches
            runts += len(f) < 14
            oversized += reaches and len(f) > FRAME_MAX
        probes += 1
        answered += echo(link, mac, PORT_A, b"probe %d" % probes, sport=40003) == b"probe %d" % probes
        if probes - answered >= MAX_MISSES:
            break
    after = stats(link, mac, PORT_A)
    report("malformed-%d-kernel-up" % sent, after is not None and answered == probes,
           "%d of %d probes answered" % (answered, probes))
    if after is None or before is None:
        return
    d = {k: after[k] - before[k] for k in after}
    # the frames that reached the kernel: the bad ones, the probes, and the stats request that read `after`
    report("malformed-frames-counted", d["k_rx"] == delivered + probes + 1, "%s, want rx %d" % (d, delivered + probes + 1))
    report("malformed-runts-counted", d["k_runts"] == runts, "%d, want %d" % (d["k_runts"], runts))
    report("malformed-oversized-counted", d["k_oversized"] == oversized, "%d, want %d" % (d["k_oversized"], oversized))
    report("malformed-counters-add-up", d["k_rx"] == d["k_runts"] + d["k_oversized"] + d["k_unclaimed"] +
           d["k_full"] + d["k_delivered"], str(d))
    report("malformed-not-echoed", d["echoed"] == probes, "echoed %d, want %d" % (d["echoed"], probes))


def netdev(link):
    """QEMU's arguments for a virtio-net device whose other end is link."""
    return ["-netdev", "dgram,id=n0,local.type=inet,local.host=127.0.0.1,local.port=%d,"
            "remote.type=inet,remote.host=127.0.0.1,remote.port=%d" % (link.qemu_port, link.port),
            "-device", "virtio-net-device,netdev=n0"]


def boot(link, kernel, image, boot_args):
    return subprocess.Popen(["tools/boot"] + boot_args + ["-t", "300", kernel, image] + netdev(link),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def boot_linux(link, vmlinuz, initrd, cpu):
    """Linux in the machine bench/run-linux.sh uses, with the device; ended by the program or after 600 s."""
    return subprocess.Popen(["timeout", "600", "qemu-system-x86_64", "-M", "microvm", "-accel", "tcg", "-cpu", cpu,
                             "-icount", "shift=0,sleep=off", "-m", "256M", "-nographic", "-no-reboot",
                             "-kernel", vmlinuz, "-initrd", initrd, "-append", "console=ttyS0 quiet panic=-1"] +
                            netdev(link), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def finish(qemu):
    """QEMU's output and status, once it ends (ended by force after 30 s)."""
    try:
        out, _ = qemu.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        qemu.terminate()  # tools/boot ends QEMU on TERM
        out, _ = qemu.communicate()
    return out.decode(errors="replace"), qemu.returncode


def bench(system, kernel, image, n, cpu):
    """Print the guest's busy instructions per UDP echo of 64 bytes under instruction counting (1 ns each)."""
    link = Link()
    if system == "linux":
        qemu = boot_linux(link, kernel, image, cpu)
    else:
        qemu = boot(link, kernel, image, ["-i", "-c", cpu])
    mac = wait_arp(link)
    before = None
    for _ in range(MAX_MISSES if mac else 0):  # the address may answer before the port does
        before = before or stats(link, mac, PORT_A)
    good = echo_many(link, mac, PORT_A, (bytes(64) for _ in range(n))) if before else 0
    after = stats(link, mac, PORT_A) if good == n else None
    if mac:
        link.send(udp_frame(mac, 40004, PORT_A, b"quit"))
    text, status = finish(qemu)
    if after is None or status != 0:
        print("bench: %d of %d echoes, status %s: %s" % (good, n, status, text[-300:]), file=sys.stderr)
        return 1
    busy = (after["k_clock"] - before["k_clock"]) - (after["k_idle"] - before["k_idle"])
    print("info udp_echo clock %d idle %d" % (after["k_clock"] - before["k_clock"], after["k_idle"] - before["k_idle"]))
    if "k_statidle" in after:
        print("info udp_echo idle_in_proc_stat %d" % (after["k_statidle"] - before["k_statidle"]))
    print("bench udp_echo_busy %d %d" % (busy // n, n))
    return 0


SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1  # Linux's interface-flag ioctls


def isolated():
    """Whether this process's network namespace has no interface but loopback; brings loopback up."""
    with open("/proc/net/dev") as f:
        names = [line.split(":")[0].strip() for line in f.readlines()[2:]]
    if names != ["lo"]:
        return False
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    req = struct.pack("16sH22x", b"lo", 0)
    flags = struct.unpack("16sH22x", fcntl.ioctl(s, SIOCGIFFLAGS, req))[1]
    fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH22x", b"lo", flags | IFF_UP))
    s.close()
    return True


def hostfwd(kernel, image, n):
    """n UDP echoes of random lengths through hostfwd=udp on 127.0.0.1; every byte must come back."""
    if not isolated():
        report("hostfwd-isolated", False, "not in a network namespace of loopback alone: not started")
        return 1
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    qemu = subprocess.Popen(["tools/boot", "-t", "300", kernel, image, "-netdev",
                             "user,id=n0,restrict=off,hostfwd=udp:127.0.0.1:%d-10.0.2.15:%d" % (port, PORT_A),
                             "-device", "virtio-net-device,netdev=n0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))

    def echo_one(data, timeout=WAIT):
        """Whether data came back exactly within timeout (answers to earlier tries are passed over)."""
        s.sendto(data, ("127.0.0.1", port))
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            s.settimeout(end - time.monotonic())
            try:
                if s.recvfrom(65536) == (data, ("127.0.0.1", port)):
                    return True
            except socket.timeout:
                break
        return False

    end = time.monotonic() + BOOT_WAIT  # QEMU asks the guest's address (ARP) before its first datagram
    up = False
    while not up and time.monotonic() < end:
        up = echo_one(b"hello", 0.5)
    good = misses = 0
    for i in range(n if up else 0):
        ok = echo_one(struct.pack("!I", i) + os.urandom(random.randrange(UDP_MAX - 3)))
        good += ok
        misses = 0 if ok else misses + 1
        if misses == MAX_MISSES:
            break
    report("hostfwd-udp-echo-%d" % n, up and good == n, "up %s, %d of %d came back exactly" % (up, good, n))
    s.sendto(b"quit", ("127.0.0.1", port))
    text, status = finish(qemu)
    report("hostfwd-machine-ends-cleanly", status == 0 and "panic" not in text, "status %s: %s" % (status, text[-300:]))
    return 1 if failures else 0


def main():
    if sys.argv[1] == "--hostfwd":
        random.seed(11)
        return hostfwd(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    if sys.argv[1] == "--bench":
        return bench(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), sys.argv[6])
    kernel, image = sys.argv[1], sys.argv[2]
    n_echo = int(sys.argv[3]) if len(sys.argv) > 3 else 10000
    n_bad = int(sys.argv[4]) if len(sys.argv) > 4 else 10000
    random.seed(7)
    link = Link()
    qemu = boot(link, kernel, image, [])
    mac = wait_arp(link)
    report("arp", mac is not None, "no correct ARP reply within %ds" % BOOT_WAIT)
    if mac is not None:
        test_icmp(link, mac)
        took = test_udp_echo(link, mac, n_echo)
        print("# %d echoes in %.1f s" % (n_echo, took))
        test_side_by_side(link, mac)
        test_malformed(link, mac, n_bad)
        report("echo-after-malformed", test_udp_echo_quiet(link, mac, 100), "the environment stopped answering")
        link.send(udp_frame(mac, 40004, PORT_A, b"quit"))
    text, status = finish(qemu)
    report("machine-ends-cleanly", status == 0 and "panic" not in text, "status %s: %s" % (status, text[-300:]))
    return 1 if failures else 0


def test_udp_echo_quiet(link, mac, n):
    return echo_many(link, mac, PORT_A, (b"again %d" % i for i in range(n))) == n


if __name__ == "__main__":
    sys.exit(main())
