"""Every example in README.md runs: its `qa` command lines and Python blocks, in the README's
order, in a folder holding a copy of the seed documents (the first `qa build` indexes them);
printed output samples match what the commands print; links lead somewhere; it stays short.

The two setup commands at the top (a fresh virtualenv) are what .ci/run runs; here they are
checked against it.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, SEEDS

README = ROOT / "README.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n", re.M | re.S)
PENDING_DOCS: set[str] = set()


def _blocks(text: str) -> list[tuple[str, str]]:
    """(language, body) of each fenced block, in order."""
    return [(m.group(1), m.group(2)) for m in FENCE.finditer(text)]


def _qa_lines(body: str) -> list[list[str]]:
    """The `qa ...` command lines of a shell block, as argument lists (comments dropped)."""
    return [shlex.split(line, comments=True)[1:] for line in body.splitlines() if line.startswith("qa ")]


def _sample_pattern(sample: str) -> re.Pattern[str]:
    """A shown output as a pattern: '...' skips text, numbers may differ, line breaks may move."""
    parts = []
    for line in sample.splitlines():
        for fragment in line.split("..."):
            words = fragment.split()
            if words:
                escaped = r"\s+".join(re.escape(w) for w in words)
                parts.append(re.sub(r"\d+(?:\\\.\d+)?", r"\\d+(?:\\.\\d+)?", escaped))
    return re.compile(".*?".join(parts), re.S)


def test_sample_patterns_skip_and_match() -> None:
    pattern = _sample_pattern("Answer (likely answer, 81%):\n    cited ... rallies. [1]")
    assert pattern.search("Answer (likely answer, 64%):\n    cited the law, rallies. [1]")
    assert not pattern.search("Answer (possible answer, 64%):\n    cited rallies. [1]")


def test_readme_is_short_and_its_links_lead_somewhere() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 220
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text):
        if not target.startswith("http") and target not in PENDING_DOCS:
            assert (ROOT / target).exists(), target
    for page, anchor in re.findall(r"\]\((docs/[\w.-]+\.md)#([\w-]+)\)", text):
        headings = re.findall(r"^#+ (.+)$", (ROOT / page).read_text(encoding="utf-8"), re.M)
        assert anchor in {re.sub(r"[^\w -]", "", h).strip().lower().replace(" ", "-") for h in headings}, anchor


def test_setup_commands_are_what_ci_runs() -> None:
    app, tests = (body for lang, body in _blocks(README.read_text(encoding="utf-8"))[:2])
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert app.strip() == "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/qa serve"
    packages = re.search(r"apt-get install -y ([\w -]+)\)", tests).group(1).split()
    assert packages == re.search(r'DEBIAN_PACKAGES="([^"]+)"', ci).group(1).split()
    assert "dpkg -s " + " ".join(packages) in tests
    extras = re.search(r"pip install -e '(\.\[[\w,]+\])'", tests).group(1)
    assert f"pip install -q -e '{extras}'" in ci and tests.rstrip().endswith(".venv/bin/python -m pytest")
    assert ci.rstrip().endswith(".venv/bin/python -m pytest")


def _run_qa(args: list[str], cwd: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-m", "qa", *args], cwd=cwd, env=env, capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 0, f"qa {shlex.join(args)}: {out.stderr[-2000:]}"
    return out.stdout


def test_every_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(SEEDS, tmp_path / "seeds")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    printed = ""  # what the last block printed, for the sample that follows it
    ran = {"qa": 0, "python": 0, "sample": 0}
    for lang, body in _blocks(README.read_text(encoding="utf-8"))[2:]:
        if lang == "bash":
            printed = ""
            for args in _qa_lines(body):
                out = _run_qa(args, tmp_path)
                ran["qa"] += 1
                if "--json" in args:
                    assert out.lstrip().startswith("{") and '"passages"' in out
                printed += out
        elif lang == "python":
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(compile(body, "README.md", "exec"), namespace)  # noqa: S102 - the README's own code
            printed = out.getvalue()
            assert printed.strip(), body
            ran["python"] += 1
        elif lang == "text":
            assert _sample_pattern(body).search(printed), f"{body}\n--- differs from ---\n{printed}"
            ran["sample"] += 1
    assert ran["qa"] >= 4 and ran["python"] >= 3 and ran["sample"] >= 1, ran
    assert "amnesty-report-kyrgyzstan-2023.txt, lines" in namespace["p"].location
