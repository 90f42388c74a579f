# Python over AF_UNIX: a socket pair, a threaded server on a path, descriptors passed, and asyncio's unix server.
import asyncio
import os
import shutil
import socket
import tempfile
import threading

a, b = socket.socketpair()
a.sendall(b"ping")
print("pair:", b.recv(16).decode())

d = tempfile.mkdtemp()
path = os.path.join(d, "echo.sock")
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(8)


def serve(n):
    for _ in range(n):
        c, _ = srv.accept()
        with c:
            data = c.recv(64)
            c.sendall(data.upper())


t = threading.Thread(target=serve, args=(3,))
t.start()
for word in ("one", "two", "three"):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as c:
        c.connect(path)
        c.sendall(word.encode())
        print("echo:", c.recv(64).decode(), c.getpeername() == path)
t.join()
srv.close()
os.unlink(path)

r, w = os.pipe()
socket.send_fds(a, [b"fd"], [w])
msg, fds, flags, addr = socket.recv_fds(b, 16, 4)
os.write(fds[0], b"through a passed descriptor")
os.close(fds[0])
os.close(w)
print("fds:", msg.decode(), len(fds), os.read(r, 64).decode())

g1, g2 = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
g1.send(b"x" * 10)
g1.send(b"y" * 3)
print("dgram:", len(g2.recv(100)), len(g2.recv(100)))


async def handle(reader, writer):
    line = await reader.readline()
    writer.write(line[::-1])
    await writer.drain()
    writer.close()


async def main():
    apath = os.path.join(d, "asyncio.sock")
    server = await asyncio.start_unix_server(handle, apath)
    replies = []
    for text in ("abc\n", "hello\n"):
        reader, writer = await asyncio.open_unix_connection(apath)
        writer.write(text.encode())
        replies.append((await reader.read()).decode())
        writer.close()
    server.close()
    await server.wait_closed()
    print("asyncio:", replies)


asyncio.run(main())
shutil.rmtree(d)
