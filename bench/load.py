"""Load: many people asking at once, through `qa serve`'s /ask and through `answer()` in-process.

For each Gradio concurrency limit asked for (`qa serve --concurrency N`), starts
`qa serve` on a copy of the index (127.0.0.1, a free port), fires --requests /ask calls from
--clients threads at once through gradio_client, and prints p50/p95/p99 latency, answers/s,
errors and the server's peak RSS (VmHWM). Then the same for `answer()` in this process with a
thread pool of each size, single-threaded first as the baseline. Every run is bounded by
--requests and --deadline seconds. Prints figures; asserts nothing.

    python bench/load.py [--index index] [--seeds seeds] [--requests 200] [--limits 1 2 4 8]
    python bench/load.py --index /tmp/scifact-index --beir ../shared/eval/scifact --skip-serve
    python bench/load.py --rest --limits 32 --skip-inprocess   # REST /api/v1/ask beside Gradio's /ask
    python bench/load.py --rest --rest-client stdlib httpx --limits 32 --skip-inprocess   # both REST callers

"CPU ms/a" is the answering process's CPU time per answer: unlike wall time it hardly grows
when other jobs load the machine, and 1000 * cores / it bounds the answers/s an idle machine
could give. With --beir the questions are that BEIR set's queries (load the matching index); otherwise a
fixed list of questions about the seed document.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
JSON_BODY = {"content-type": "application/json"}

SEED_QUESTIONS = [
    "what happened to Kloop Media", "were journalists arrested", "what does the report say about protests",
    "which law restricts false information", "how are women and girls treated",
    "what did Amnesty International report", "was a website blocked", "what about NGOs",
    "is there torture in Kyrgyzstan", "what is the draft law on mass media",
    "how many countries does the report cover", "what year does the report assess",
    "were rallies banned", "what happened to civil society", "who criticizes the authorities",
    "freedom of expression and association", "unfair trials of activists",
    "what are cultural traditions used for", "liquidation of a legal entity",
    "what is the capital of France",  # not in the documents: an abstention is an answer too
]


@dataclass
class Run:
    """One batch of calls: latencies in seconds, wall time of the whole batch."""

    name: str
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    wall: float = 0.0
    cpu: float = 0.0  # CPU seconds the answering process spent on the batch (all its threads)
    client_cpu: float = 0.0  # CPU seconds this (calling) process spent, when another process answers
    peak_mb: float | None = None

    def row(self) -> str:
        ms = 1000 * np.asarray(self.latencies or [np.nan])
        p50, p95, p99 = np.percentile(ms, [50, 95, 99])
        rate = len(self.latencies) / self.wall if self.wall else float("nan")
        cpu = 1000 * self.cpu / len(self.latencies) if self.latencies else float("nan")
        mem = f"{self.peak_mb:8.0f}" if self.peak_mb is not None else f"{'-':>8}"
        client = f"{1000 * self.client_cpu / len(self.latencies):9.1f}" if self.client_cpu and self.latencies \
            else f"{'-':>9}"
        return (f"{self.name:<34} {len(self.latencies):>5} {len(self.errors):>4} {p50:9.1f} {p95:9.1f} "
                f"{p99:9.1f} {rate:9.1f} {cpu:8.1f} {client} {mem}")


HEADER = (f"{'run':<34} {'ok':>5} {'err':>4} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9} "
          f"{'answers/s':>9} {'CPU ms/a':>8} {'client ms':>9} {'peak MB':>8}")


def peak_rss_mb(pid: int | str = "self") -> float:
    """Peak resident memory of a process (VmHWM from /proc; not inherited over fork/exec)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int | str = "self") -> float:
    """User + system CPU time of a process so far, all threads (utime and stime in /proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(index: Path, seeds: Path, limit: int, log: Path,
                 timeout: float) -> tuple[subprocess.Popen, str]:
    """`qa serve` on 127.0.0.1 with the answer concurrency `limit`; returns once it answers HTTP."""
    port = free_port()
    env = dict(os.environ, HF_HUB_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False")
    cmd = [sys.executable, "-m", "qa", "serve", "--index", str(index), "--seeds", str(seeds),
           "--host", "127.0.0.1", "--port", str(port), "--concurrency", str(limit)]
    proc = subprocess.Popen(cmd, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, cwd=ROOT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"qa serve exited with {proc.returncode}; see {log}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.5)
    stop(proc)
    raise RuntimeError(f"qa serve did not answer within {timeout:.0f} s; see {log}")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def fire(name: str, call, questions: list[str], requests: int, clients: int, deadline: float,
         pid: int | str = "self") -> Run:
    """`requests` calls of `call(question)` from `clients` threads at once, within `deadline` s;
    `pid` is the process that answers (its CPU time is recorded)."""
    run = Run(name)
    lock = threading.Lock()
    stop_at = time.monotonic() + deadline

    def one(i: int) -> None:
        if time.monotonic() > stop_at:
            with lock:
                run.errors.append("deadline")
            return
        t = time.perf_counter()
        try:
            call(questions[i % len(questions)], max(stop_at - time.monotonic(), 0.1))
        except Exception as exc:  # a failed call is a figure here, not a crash
            with lock:
                run.errors.append(f"{type(exc).__name__}: {exc}"[:200])
            return
        with lock:
            run.latencies.append(time.perf_counter() - t)

    t0, cpu0, own0 = time.perf_counter(), cpu_seconds(pid), cpu_seconds()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(one, range(requests)))
    run.wall, run.cpu = time.perf_counter() - t0, cpu_seconds(pid) - cpu0
    if pid != "self":
        run.client_cpu = cpu_seconds() - own0
    return run


def rest_run(args, questions: list[str], url: str, pid: int, caller: str = "stdlib") -> Run:
    """POST /api/v1/ask (qa.rest) from --clients threads at once, on a running `qa serve`.

    Each caller keeps one HTTP/1.1 connection of its own, as separate programs would. The
    default caller is the standard library's http.client (~0.7 ms of CPU a call); httpx's shared
    Client (--rest-client httpx) spent 5-6 ms a call here, in this process on the same 2 cores as
    the server, so it measured itself more than the server (client ms column)."""
    body = json.dumps({"question": questions[0]}).encode()
    if caller == "httpx":
        import httpx

        client = httpx.Client(base_url=url, timeout=args.deadline, limits=httpx.Limits(
            max_connections=args.clients, max_keepalive_connections=args.clients))
        client.post("api/v1/ask", content=body, headers=JSON_BODY).raise_for_status()  # warm-up

        def post(payload: bytes, timeout: float) -> tuple[int, bytes]:
            reply = client.post("api/v1/ask", content=payload, headers=JSON_BODY, timeout=timeout)
            return reply.status_code, reply.content

        close = client.close
    else:
        import http.client
        from urllib.parse import urlsplit

        where, local, opened = urlsplit(url), threading.local(), []

        def post(payload: bytes, timeout: float) -> tuple[int, bytes]:
            conn = getattr(local, "conn", None)
            if conn is None:
                conn = local.conn = http.client.HTTPConnection(where.hostname, where.port, timeout=timeout)
                opened.append(conn)
            conn.request("POST", "/api/v1/ask", body=payload, headers=JSON_BODY)
            reply = conn.getresponse()
            return reply.status, reply.read()

        def close() -> None:
            for conn in opened:
                conn.close()

        if post(body, args.deadline)[0] != 200:  # warm-up
            raise RuntimeError("the REST API did not answer the warm-up question")

    def call(question: str, timeout: float) -> None:
        status, data = post(json.dumps({"question": question}).encode(), timeout)
        if status != 200:
            raise ValueError(f"HTTP {status}: {data[:200]!r}")
        if "answer" not in json.loads(data):
            raise ValueError("reply without an answer")

    try:
        return fire(f"REST /api/v1/ask ({caller})", call, questions, args.requests, args.clients,
                    args.deadline, pid=pid)
    finally:
        close()


def serve_runs(args, questions: list[str]) -> list[Run]:
    from gradio_client import Client

    runs = []
    with tempfile.TemporaryDirectory(prefix="qa-load-") as tmp:
        for limit in args.limits:
            log = Path(tmp) / f"serve-{limit}.log"
            proc, url = start_server(args.index, args.seeds, limit, log, args.start_timeout)
            try:
                # ssl_verify=False: the server is plain HTTP on 127.0.0.1, so there is no certificate
                # to check, but with verification on, gradio_client builds a fresh TLS context (loading
                # the CA bundle) for every HTTP call: ~45 ms of the caller's CPU per /ask, which on a
                # 2-core machine starves the server it measures (client ms column: 41 -> 6 ms).
                client = Client(url, verbose=False, max_workers=args.clients, download_files=False,
                                analytics_enabled=False, ssl_verify=False)
                client.predict(questions[0], api_name="/ask")  # warm-up: model and caches loaded

                def call(question: str, timeout: float) -> None:
                    result = client.submit(question, 5, "hybrid", 0, None, api_name="/ask").result(timeout)
                    if "answer" not in result:
                        raise ValueError("reply without an answer")

                run = fire(f"/ask, concurrency_limit={limit}", call, questions, args.requests,
                           args.clients, args.deadline, pid=proc.pid)
                batch = [run] + [rest_run(args, questions, url, proc.pid, caller)
                                 for caller in (args.rest_client if args.rest else ())]
                for run in batch:
                    run.peak_mb = peak_rss_mb(proc.pid)
                    runs.append(run)
                    print(run.row(), flush=True)
                    for e in sorted(set(run.errors))[:3]:
                        print(f"    error: {e}")
            finally:
                stop(proc)
    return runs


def inprocess_runs(args, questions: list[str]) -> list[Run]:
    from qa import Retriever
    from qa.answer import answer

    retriever = Retriever.load(args.index)
    answer(retriever, questions[0])  # warm-up

    def call(question: str, timeout: float) -> None:
        answer(retriever, question)

    runs = []
    for threads in args.threads:
        n = args.requests if threads > 1 else min(args.requests, len(questions) * 5)
        run = fire(f"answer(), {threads} thread{'s' if threads > 1 else ''}", call, questions, n,
                   threads, args.deadline)
        run.peak_mb = peak_rss_mb()
        runs.append(run)
        print(run.row(), flush=True)
    return runs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, default=ROOT / "index",
                    help="index folder (qa serve builds it from --seeds if missing)")
    ap.add_argument("--seeds", type=Path, default=ROOT / "seeds", help="documents folder for qa serve")
    ap.add_argument("--beir", type=Path, help="ask this BEIR set's queries instead of the seed questions")
    ap.add_argument("--requests", type=int, default=200, help="calls per run (default 200)")
    ap.add_argument("--clients", type=int, default=200, help="callers at once (default 200)")
    ap.add_argument("--limits", type=int, nargs="+", default=[1, 2, 4, 8],
                    help="Gradio concurrency limits of the answer path to try")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2, 4, 8],
                    help="thread-pool sizes for answer() in-process (1 = one after another)")
    ap.add_argument("--deadline", type=float, default=120.0, help="seconds per run at most")
    ap.add_argument("--start-timeout", type=float, default=180.0, help="seconds for qa serve to start")
    ap.add_argument("--skip-serve", action="store_true", help="only answer() in-process")
    ap.add_argument("--skip-inprocess", action="store_true", help="only /ask through qa serve")
    ap.add_argument("--rest", action="store_true",
                    help="after each Gradio /ask run, the same calls to the REST API's /api/v1/ask")
    ap.add_argument("--rest-client", choices=("stdlib", "httpx"), nargs="+", default=["stdlib"],
                    help="the REST callers: http.client, one connection each (default), and/or one httpx Client")
    args = ap.parse_args()

    if args.beir:
        from qa.evaluate import load_beir

        data = load_beir(args.beir)
        questions = [data.queries[q] for q in data.qrels if q in data.queries]
    else:
        questions = SEED_QUESTIONS
    print(f"{len(questions)} distinct questions; index {args.index}; {os.cpu_count()} CPUs")
    print(HEADER)
    if not args.skip_serve:
        serve_runs(args, questions)
    if not args.skip_inprocess:
        inprocess_runs(args, questions)
    print("\ntargets: 200 concurrent /ask p95 <= 2 s (aim 0.5 s), >= 50 answers/s (aim 150); "
          "answer() p50/p95 <= 15/40 ms (aim 5/15) on SciFact; REST /api/v1/ask p95 <= 1 s at 200 at once")


if __name__ == "__main__":
    main()
