"""An object-oriented task scheduler: jobs with dependencies and durations run
on a pool of workers by a discrete-event simulation (a heap of events).

Checks itself: every task runs exactly once, never before its dependencies
have finished, never on two workers at once, and the busy time of the
workers equals the total task duration.
"""

import heapq
import os
import sys


def bench_scale():
    """The size factor: argv[1], else $BENCH_SCALE, else 1."""
    if len(sys.argv) > 1:
        return float(sys.argv[1])
    return float(os.environ.get("BENCH_SCALE", "1"))


class Random:
    """A small deterministic generator, so every run schedules the same jobs."""

    def __init__(self, seed):
        self.state = seed

    def next(self, bound):
        self.state = (self.state * 6364136223846793005 + 1442695040888963407) & (2 ** 64 - 1)
        return (self.state >> 33) % bound


class Task:
    def __init__(self, ident, duration, priority):
        self.ident = ident
        self.duration = duration
        self.priority = priority
        self.dependencies = []
        self.dependents = []
        self.waiting_on = 0
        self.started = None
        self.finished = None
        self.worker = None

    def add_dependency(self, other):
        self.dependencies.append(other)
        other.dependents.append(self)
        self.waiting_on += 1

    def __lt__(self, other):
        return (self.priority, self.ident) < (other.priority, other.ident)


class Worker:
    def __init__(self, ident, speed):
        self.ident = ident
        self.speed = speed
        self.busy_until = 0
        self.busy_time = 0
        self.history = []

    def run(self, task, now):
        cost = (task.duration + self.speed - 1) // self.speed
        task.started = now
        task.worker = self
        self.busy_until = now + cost
        self.busy_time += cost
        self.history.append((now, now + cost, task.ident))
        return now + cost


class Scheduler:
    def __init__(self, workers):
        self.workers = workers
        self.ready = []
        self.idle = list(workers)
        self.events = []
        self.now = 0
        self.completed = 0

    def submit(self, tasks):
        for task in tasks:
            if task.waiting_on == 0:
                heapq.heappush(self.ready, task)

    def dispatch(self):
        while self.ready and self.idle:
            task = heapq.heappop(self.ready)
            worker = self.idle.pop()
            end = worker.run(task, self.now)
            heapq.heappush(self.events, (end, task.ident, task, worker))

    def run(self):
        self.dispatch()
        while self.events:
            self.now, _, task, worker = heapq.heappop(self.events)
            task.finished = self.now
            self.completed += 1
            self.idle.append(worker)
            for dependent in task.dependents:
                dependent.waiting_on -= 1
                if dependent.waiting_on == 0:
                    heapq.heappush(self.ready, dependent)
            self.dispatch()
        return self.now


def build_jobs(rng, count):
    tasks = [Task(i, 1 + rng.next(50), rng.next(10)) for i in range(count)]
    for task in tasks[1:]:
        for _ in range(rng.next(4)):
            task.add_dependency(tasks[rng.next(task.ident)])
    return tasks


def check(tasks, workers):
    for task in tasks:
        assert task.finished is not None, task.ident
        for dep in task.dependencies:
            assert dep.finished <= task.started, (dep.ident, task.ident)
    for worker in workers:
        last_end = 0
        for start, end, _ in worker.history:
            assert start >= last_end
            last_end = end
    ran = sorted(ident for w in workers for _, _, ident in w.history)
    assert ran == list(range(len(tasks)))
    busy = sum(w.busy_time for w in workers)
    expected = sum((t.duration + t.worker.speed - 1) // t.worker.speed for t in tasks)
    assert busy == expected


def main():
    scale = bench_scale()
    rounds = max(1, int(100 * scale))
    rng = Random(2024)
    total_makespan = 0
    for _ in range(rounds):
        workers = [Worker(i, 1 + rng.next(3)) for i in range(8)]
        tasks = build_jobs(rng, 2000)
        scheduler = Scheduler(workers)
        scheduler.submit(tasks)
        makespan = scheduler.run()
        assert scheduler.completed == len(tasks)
        check(tasks, workers)
        total_makespan += makespan
    print("rounds: %d, total makespan: %d" % (rounds, total_makespan))


if __name__ == "__main__":
    main()
