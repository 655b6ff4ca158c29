"""The OCR-heavy folder of bench/archive.py --pdf: scanned (image-only) and text PDFs made from
public passages, a build on a local Ray cluster in a loopback-only network namespace, and a
timed build's line. bench/archive.py runs them; this module imports nothing of it."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path


def assemble_pdfs(folder: Path, pool: list[str], scanned_pages: int, text_pages: int, seed: int = 25) -> None:
    """Image-only PDFs of about `scanned_pages` pages and text PDFs of about `text_pages`, made
    once per size: passages of `pool` typeset with reportlab; a scanned file is its typeset pages
    rendered at 150 dpi (PDFium) and wrapped as images (Pillow), with no text layer."""
    done = folder / ".complete"
    if done.exists():
        return
    import pypdfium2 as pdfium

    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for kind, target, most in (("scanned", scanned_pages, 4), ("text", text_pages, 6)):
        pages = i = 0
        while pages < target:
            want = min(rng.randint(1, most), target - pages)
            data, n = _typeset(pool, rng, want)
            path = folder / kind / f"{kind}-{i:04d}.pdf"
            path.parent.mkdir(exist_ok=True)
            if kind == "scanned":
                doc = pdfium.PdfDocument(data)
                images = [doc[k].render(scale=150 / 72, grayscale=True).to_pil().convert("L") for k in range(n)]
                doc.close()
                images[0].save(path, "PDF", save_all=True, append_images=images[1:], resolution=150)
            else:
                path.write_bytes(data)
            pages, i = pages + n, i + 1
    done.write_text("")


def _typeset(pool: list[str], rng: random.Random, pages: int) -> tuple[bytes, int]:
    """A PDF of passages that fills `pages` pages (the last one part way), and its page count."""
    import io
    from xml.sax.saxutils import escape

    import pypdfium2 as pdfium
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer

    style = getSampleStyleSheet()["BodyText"]
    flow: list = []
    for page in range(pages):
        if page:
            flow.append(PageBreak())
        for _ in range(3):  # about two thirds of a page each
            flow += [Paragraph(escape(pool[rng.randrange(len(pool))][:1400]), style), Spacer(1, 10)]
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=letter).build(flow)
    data = buf.getvalue()
    return data, len(pdfium.PdfDocument(data))


RAY_IN_NAMESPACE = """
import json, subprocess, sys, ray
cmd, temp = json.loads(sys.argv[1]), sys.argv[2]
ctx = ray.init(num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1", _temp_dir=temp,
               configure_logging=False, log_to_driver=False)
try:
    build = subprocess.run(cmd + ["--ray", ctx.address_info["gcs_address"]], capture_output=True, text=True)
finally:
    ray.shutdown()
print(json.dumps({"code": build.returncode, "stdout": build.stdout, "stderr": build.stderr[-3000:]}))
"""


def ray_build(cmd: list[str], env: dict[str, str]) -> dict:
    """One build (`cmd`, given the cluster's address as --ray) on a local Ray cluster of two workers
    (2 CPUs), cluster and build in a network namespace with only the loopback device (root,
    unshare and ip needed, as tests/test_ray.py)."""
    env = dict(env, RAY_USAGE_STATS_ENABLED="0")
    temp = f"/tmp/qa-ray-bench-{os.getpid()}"  # short: Ray's socket paths must fit 107 bytes
    prefix = ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh"]
    try:
        # A session of its own, as every local build has: the kernel shares the CPU between
        # sessions (autogroups), so builds compared must each have one.
        proc = subprocess.run([*prefix, sys.executable, "-c", RAY_IN_NAMESPACE, json.dumps(cmd), temp],
                              capture_output=True, text=True, env=env, start_new_session=True)
    finally:
        import shutil

        shutil.rmtree(temp, ignore_errors=True)
    if proc.returncode != 0:
        raise SystemExit(f"Ray cluster failed:\n{proc.stderr[-3000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    if out["code"] != 0:
        raise SystemExit(f"Ray build failed:\n{out['stderr']}")
    return json.loads(out["stdout"].strip().splitlines()[-1])


def timed(name: str, run) -> dict:
    """Run one build and print its time, OCR pages, memory and the load average around it."""
    before = os.getloadavg()[0]
    r = run()
    print(f"full build, {name}: {r['seconds']:.1f} s, {r['documents']:,} documents, {r['chunks']:,} chunks, "
          f"{r['ocr_pages']:,} pages by OCR; {r['cpu_seconds']:.0f} s of CPU (the cluster's apart); peak "
          f"{r['peak_mb']:.0f} MB; load average {before:.1f} before, {os.getloadavg()[0]:.1f} after", flush=True)
    return r
