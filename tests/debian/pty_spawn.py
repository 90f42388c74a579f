# python3's pty.spawn: a shell on a new pseudo-terminal names its terminal; spawn copies what the shell
# writes (through master_read, which keeps a copy here) to stdout, pointed at /dev/null meanwhile, until
# the shell ends; then the bytes, "\r\n" and all, and the shell's status.
import os
import pty

seen = []


def master_read(fd):
    data = os.read(fd, 1024)
    seen.append(data)
    return data


saved = os.dup(1)
os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
status = pty.spawn(["sh", "-c", 'case "$(tty)" in /dev/pts/*) echo "on a pty";; *) echo "not a pty";; esac; exit 3'],
                   master_read)
os.dup2(saved, 1)
print(repr(b"".join(seen)))
print("status", os.waitstatus_to_exitcode(status))
