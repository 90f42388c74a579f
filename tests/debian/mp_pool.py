# Python's multiprocessing on Mica: a pool of forked workers, a queue, a named semaphore in /dev/shm.
# (Named so as not to shadow the module it tests; it exits non-zero when a result is wrong.)
import multiprocessing as mp, os, sys
def sq(x): return x * x
if __name__ == "__main__":
    with mp.Pool(2) as p:
        squares = p.map(sq, range(6))
    print(squares)
    q = mp.Queue()
    pr = mp.Process(target=q.put, args=(os.getpid(),))
    pr.start(); same = q.get() == os.getpid(); pr.join()
    print("child said parent", same); print("exit", pr.exitcode)
    sys.exit(0 if squares == [x * x for x in range(6)] and same and pr.exitcode == 0 else 1)
