"""Many threads calling /ask through gradio_client: one shared Client against one Client per thread.

Starts `qa serve` on a copy of the index (127.0.0.1, a free port), then, for each way of calling,
fires --requests /ask calls from --threads threads with `Client.predict` and counts the calls
that end in CancelledError and other errors. It also counts, in the shared Client, the calls its
SSE reader left pending when the server closed the session's stream ("close_stream"): the
mechanism behind those CancelledErrors (docs/concurrency.md). Bounded by --requests and
--deadline; prints figures, asserts nothing.

    python bench/ask_concurrency.py [--index index] [--seeds seeds] [--threads 50] [--requests 300]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import sys
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import ROOT, SEED_QUESTIONS, start_server, stop  # noqa: E402


def stranded_by_close_stream() -> Counter:
    """Wrap gradio_client's SSE reader: count the events still pending whenever it stops."""
    from gradio_client import client as gc

    seen: Counter = Counter()
    original = gc.Client.stream_messages

    def stream_messages(self, protocol, session_hash):
        try:
            return original(self, protocol, session_hash)
        finally:
            with self.pending_lock:  # calls whose reply the reader never saw
                stranded = sum(1 for m in self.pending_messages_per_event.values()
                               if not any(isinstance(x, dict) and x.get("msg") == "process_completed" for x in m))
            seen["reader stops"] += 1
            seen["calls stranded by a reader stop"] += stranded

    gc.Client.stream_messages = stream_messages
    return seen


def fire(url: str, shared: bool, threads: int, requests: int, deadline: float) -> Counter:
    from gradio_client import Client

    def new_client():  # as a user would make it
        return Client(url, verbose=False)

    one = new_client() if shared else None
    local = threading.local()
    outcome: Counter = Counter()
    lock = threading.Lock()
    stop_at = time.monotonic() + deadline

    def call(i: int) -> None:
        if time.monotonic() > stop_at:
            key = "not sent (deadline)"
        else:
            if not shared and not hasattr(local, "client"):
                local.client = new_client()
            try:
                out = (one or local.client).predict(SEED_QUESTIONS[i % len(SEED_QUESTIONS)], api_name="/ask")
                key = "answered" if "answer" in out else "reply without an answer"
            except concurrent.futures.CancelledError:
                key = "CancelledError"
            except Exception as exc:  # noqa: BLE001 - every failure is a figure
                key = f"{type(exc).__name__}: {exc}"[:120]
        with lock:
            outcome[key] += 1

    with concurrent.futures.ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(call, range(requests)))
    return outcome


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, default=ROOT / "index")
    ap.add_argument("--seeds", type=Path, default=ROOT / "seeds")
    ap.add_argument("--threads", type=int, default=50)
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=2, help="runs of each way of calling")
    ap.add_argument("--deadline", type=float, default=120.0, help="seconds per run at most")
    args = ap.parse_args()

    import tempfile

    stranded = stranded_by_close_stream()
    with tempfile.TemporaryDirectory(prefix="qa-askc-") as tmp:
        proc, url = start_server(args.index, args.seeds, 32, Path(tmp) / "serve.log", 180.0)
        try:
            for r in range(args.rounds):
                for shared in (True, False):
                    stranded.clear()
                    t0 = time.perf_counter()
                    outcome = fire(url, shared, args.threads, args.requests, args.deadline)
                    way = "one shared Client" if shared else "one Client per thread"
                    print(f"round {r + 1}, {way:<22} {args.threads} threads, {args.requests} calls, "
                          f"{time.perf_counter() - t0:5.1f} s: {dict(outcome)}; {dict(stranded)}", flush=True)
        finally:
            stop(proc)
            log = (Path(tmp) / "serve.log").read_text()
            problems = [line for line in log.splitlines() if "Traceback" in line or "rror" in line]
            print(f"server log: {len(log.splitlines())} lines, {len(problems)} with an error or a traceback")


if __name__ == "__main__":
    main()
