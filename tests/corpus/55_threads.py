# Threads running tier-1-called functions; joined, so output order is deterministic.
import threading

results = [0] * 4
lock = threading.Lock()
shared = []

def worker(idx, n):
    total = 0
    for i in range(n):
        total += i * idx
    results[idx] = total
    with lock:
        shared.append(idx)

threads = [threading.Thread(target=worker, args=(i, 2000)) for i in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(results, sorted(shared))
local = threading.local()
local.value = "main"
def show_local():
    local.value = "thread"
t = threading.Thread(target=show_local)
t.start()
t.join()
print(local.value, threading.current_thread().name, threading.active_count())
