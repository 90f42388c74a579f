# System V shared memory under python3's multiprocessing: a segment made with shmget (through ctypes and
# Debian's libc), each of four forked workers attaches it and fills its own quarter; the parent reads it all.
import ctypes
import multiprocessing as mp
import sys

libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
libc.shmdt.argtypes = [ctypes.c_void_p]
IPC_PRIVATE, IPC_CREAT, IPC_RMID, SIZE = 0, 0o1000, 0, 4 * 4096


def fill(shmid, part):
    addr = libc.shmat(shmid, None, 0)
    if addr in (None, ctypes.c_void_p(-1).value):
        sys.exit(2)
    ctypes.memset(addr + part * 4096, ord("a") + part, 4096)
    libc.shmdt(ctypes.c_void_p(addr))


if __name__ == "__main__":
    mp.set_start_method("fork")
    shmid = libc.shmget(IPC_PRIVATE, SIZE, IPC_CREAT | 0o600)
    print("segment made", shmid >= 0)
    workers = [mp.Process(target=fill, args=(shmid, k)) for k in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    print("workers", [w.exitcode for w in workers])
    addr = libc.shmat(shmid, None, 0)
    data = ctypes.string_at(addr, SIZE)
    quarters = [data[k * 4096:(k + 1) * 4096] == bytes([ord("a") + k]) * 4096 for k in range(4)]
    print("each quarter as its worker wrote it", quarters)
    libc.shmdt(ctypes.c_void_p(addr))
    print("removed", libc.shmctl(shmid, IPC_RMID, None) == 0)
    sys.exit(0 if all(quarters) and all(w.exitcode == 0 for w in workers) else 1)
