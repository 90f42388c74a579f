# Python's standard library on Mica: json, re, hashlib, a child process, threads.
import hashlib
import json
import re
import subprocess
import sys
import threading

doc = json.loads('{"name": "mica", "layers": ["kernel", "lx"], "calls": 39}')
doc["layers"].append("programs")
print(json.dumps(doc, sort_keys=True))
print(re.sub(r"(\d+)", r"<\1>", "a1b22c333"), re.findall(r"\b\w{4}\b", "the mica exokernel runs lua and bash"))
print(hashlib.sha256(b"mica").hexdigest(), hashlib.md5(b"lx").hexdigest())

child = subprocess.run([sys.executable, "-c", "import sys; print('child', 6 * 7); sys.exit(3)"],
                       capture_output=True, text=True)
print("child status", child.returncode, "said", child.stdout.strip())

total = 0
lock = threading.Lock()
def work(n):
    global total
    for i in range(n):
        with lock:
            total += i
threads = [threading.Thread(target=work, args=(1000 + k,)) for k in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("threads", len(threads), "total", total)
