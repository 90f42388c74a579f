# python3's pty module: a child on a new pseudo-terminal runs a shell that names its terminal and reads a line typed.
import os
import pty

pid, fd = pty.fork()
if pid == 0:
    os.execlp("sh", "sh", "-c", 'tty; echo hi; stty size; read line; echo "got $line"')
out = b""
typed = False
while True:
    if not typed and out.count(b"\r\n") >= 3:  # the shell has reached its read: type a line (echoed back)
        os.write(fd, b"typed\r")
        typed = True
    try:
        chunk = os.read(fd, 1024)
    except OSError:  # EIO: every descriptor of the child's side is closed
        break
    if not chunk:
        break
    out += chunk
_, status = os.waitpid(pid, 0)
lines = out.decode().split("\r\n")
print("tty under /dev/pts:", lines[0].startswith("/dev/pts/"))
for line in lines[1:]:
    print(repr(line))
print("status", os.waitstatus_to_exitcode(status))
