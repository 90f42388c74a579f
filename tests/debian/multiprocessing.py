# Python's multiprocessing on Mica: a pool of forked workers, a queue, a named semaphore in /dev/shm.
import multiprocessing as mp, os
def sq(x): return x * x
if __name__ == "__main__":
    with mp.Pool(2) as p:
        print(p.map(sq, range(6)))
    q = mp.Queue()
    pr = mp.Process(target=q.put, args=(os.getpid(),))
    pr.start(); print("child said parent", q.get() == os.getpid()); pr.join(); print("exit", pr.exitcode)
