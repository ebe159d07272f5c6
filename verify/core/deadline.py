"""Calls into an implementation with a time limit, and a heartbeat while a check runs long.

A step function that hangs must not hang the check silently.  Python cannot stop a running
thread, so the call runs on a daemon worker thread and the check stops *waiting* for it after
the deadline: the check fails with "did not return within … s" and the stuck worker is left
behind (a daemon: it does not keep the process alive).  One worker serves every call of a check,
so the cost per call is a queue round trip (tens of µs), not a thread start.
"""
from __future__ import annotations

import queue
import sys
import threading
import time


class DeadlineExceeded(Exception):
    pass


FIRST_LINE_AFTER = 10.0  # seconds: a check shorter than this prints nothing
EVERY = 10.0  # seconds between progress lines after that


class Heartbeat:
    """Plain progress lines on stderr for a long check: the first after FIRST_LINE_AFTER seconds,
    then one every EVERY seconds.  Off when ``enabled`` is False."""

    def __init__(self, label: str, enabled: bool):
        self.label, self.enabled, self.every = label, enabled, EVERY
        self.start = time.perf_counter()
        self.next = self.start + FIRST_LINE_AFTER

    def beat(self, examples: int, waiting: bool = False) -> None:
        now = time.perf_counter()
        if not self.enabled or now < self.next:
            return
        self.next = now + self.every
        doing = "waiting for the implementation to return" if waiting else f"{examples} examples so far"
        print(f"optverify: {self.label}: {doing} ({now - self.start:.0f} s)", file=sys.stderr, flush=True)


class Caller:
    """``caller(fn, *args, **kwargs)``: ``fn``'s result, or DeadlineExceeded after ``deadline`` s.

    ``deadline=None`` calls directly on this thread (no limit)."""

    def __init__(self, deadline: float | None, heartbeat: Heartbeat | None = None):
        self.deadline = deadline
        self.heartbeat = heartbeat
        self._requests: queue.SimpleQueue | None = None
        self._replies: queue.SimpleQueue | None = None

    def __call__(self, fn, *args, **kwargs):
        if self.deadline is None:
            return fn(*args, **kwargs)
        if self._requests is None:
            self._start_worker()
        self._requests.put((fn, args, kwargs))
        give_up = time.perf_counter() + self.deadline
        while True:
            try:
                poll = min(1.0, max(0.01, EVERY))  # wake up for the heartbeat while waiting
                ok, value = self._replies.get(timeout=max(0.0, min(poll, give_up - time.perf_counter())))
                break
            except queue.Empty:
                if time.perf_counter() >= give_up:
                    self._requests = None  # the worker is stuck in fn: leave it, start a new one next time
                    raise DeadlineExceeded(f"did not return within {self.deadline:g} s "
                                           f"(the deadline option; None disables it)") from None
                if self.heartbeat is not None:
                    self.heartbeat.beat(0, waiting=True)
        if ok:
            return value
        raise value

    def _start_worker(self) -> None:
        requests, replies = queue.SimpleQueue(), queue.SimpleQueue()

        def work():
            while True:
                fn, args, kwargs = requests.get()
                if fn is None:  # close(): nothing more will come
                    return
                try:
                    replies.put((True, fn(*args, **kwargs)))
                except BaseException as exc:  # handed to the caller's thread, which decides
                    replies.put((False, exc))

        threading.Thread(target=work, name="optverify-call", daemon=True).start()
        self._requests, self._replies = requests, replies

    def close(self) -> None:
        """Let an idle worker finish (it blocks on its queue otherwise; harmless, but tidy)."""
        if self._requests is not None:
            self._requests.put((None, (), {}))
            self._requests = None
