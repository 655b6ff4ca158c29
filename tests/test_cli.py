"""The `qa` command as a user runs it: a subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import KLOOP_SENTENCE, SEED_FILE, SEEDS


def qa(*args: str, cwd=None, check: bool = True) -> subprocess.CompletedProcess:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    proc = subprocess.run([sys.executable, "-m", "qa", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    work = tmp_path_factory.mktemp("cli")
    shutil.copytree(SEEDS, work / "seeds")  # the tracked seed file only (conftest.SEEDS)
    return work


def test_build_then_ask_json(workdir):
    build = qa("build", cwd=workdir)
    assert "1 document, 4 chunks" in build.stdout and "1 added" in build.stdout  # singular when one
    assert (workdir / "index" / "manifest.json").exists()
    out = qa("ask", "what happened to Kloop Media", "--json", cwd=workdir)
    result = json.loads(out.stdout)
    assert result["question"] == "what happened to Kloop Media"
    top = result["passages"][0]
    assert top["rank"] == 1 and KLOOP_SENTENCE in top["text"]
    assert top["source"] == SEED_FILE and top["line_start"] <= 11 <= top["line_end"]
    for key in ("rank", "score", "text", "source", "title", "start", "end", "line_start",
                "line_end", "page", "chunk_id", "doc_id"):
        assert key in top
    assert result["abstained"] is False and 0.0 < result["confidence"] <= 1.0
    assert KLOOP_SENTENCE in result["answer"] and result["sentences"][0]["passage"] == 1


def test_ask_prints_the_answer_then_one_line_per_citation(workdir):
    if not (workdir / "index" / "manifest.json").exists():
        qa("build", cwd=workdir)
    out = qa("ask", "what happened to Kloop Media", "-k", "2", cwd=workdir).stdout
    lines = out.splitlines()
    assert lines[0].startswith(("Answer (very likely answer, ", "Answer (likely answer, ", "Answer (possible answer, "))
    quote = " ".join(line.strip() for line in lines[1:lines.index("")])
    assert KLOOP_SENTENCE in quote and quote.endswith("[1]")  # the quote, with its citation
    first = next(line for line in lines if line.startswith("[1] "))
    assert first.startswith(f"[1] seeds/{SEED_FILE}, lines ") and "“As examples" in first
    assert "score" not in out and sum(line.startswith("[") for line in lines) == 1  # short: cited only, no score
    full = qa("ask", "what happened to Kloop Media", "-k", "2", "--passages", cwd=workdir).stdout
    assert "»As examples" in full and "rallies.«" in full  # the passages in full, the quote marked


def test_the_examples_of_docs_answers_md_are_what_qa_ask_prints(workdir):
    """docs/answers.md shows `qa ask` output on the seed: the same text, up to the percentage."""
    import re
    from pathlib import Path

    if not (workdir / "index" / "manifest.json").exists():
        qa("build", cwd=workdir)
    doc = (Path(__file__).resolve().parent.parent / "docs" / "answers.md").read_text(encoding="utf-8")
    block = doc.split("```console\n", 1)[1].split("```", 1)[0]
    for command, shown in re.findall(r"^\$ qa (.+)\n((?:(?!\$ ).*\n)*)", block, flags=re.MULTILINE):
        args = [a.strip('"') for a in re.findall(r'"[^"]*"|\S+', command)]
        printed = qa(*args, cwd=workdir).stdout
        assert re.sub(r"\d+%", "N%", printed).strip() == re.sub(r"\d+%", "N%", shown).strip(), command


def test_ask_says_why_it_abstained(workdir):
    if not (workdir / "index" / "manifest.json").exists():
        qa("build", cwd=workdir)
    out = qa("ask", "what is the capital of Kyrgyzstan", cwd=workdir).stdout
    assert out.splitlines()[0] == "Not found in the documents: No document mentions 'capital'."
    result = json.loads(qa("ask", "what is the capital of Kyrgyzstan", "--json", cwd=workdir).stdout)
    assert result["abstained"] is True and result["notes"] == ["No document mentions 'capital'."]


def test_rebuild_without_changes_embeds_nothing(workdir):
    qa("build", cwd=workdir)
    out = json.loads(qa("build", "--json", cwd=workdir).stdout)
    assert out["embedded_chunks"] == 0 and out["unchanged"] == 1 and not out["added"]


def test_missing_index_is_one_clear_line(tmp_path):
    proc = qa("ask", "anything", "--index", str(tmp_path / "none"), check=False)
    assert proc.returncode == 1
    line, = proc.stderr.strip().splitlines()
    assert line.startswith(f"qa ask: error: no index at {tmp_path / 'none'}; build it with: "
                           f"qa build --index {tmp_path / 'none'} --seeds ")


@pytest.mark.parametrize("args", [("ask",), ("ask", ""), ("ask", "   "), ("ask", "q", "-k", "zero"), ("ask", "q", "-k", "0"),
                                  ("ask", "q", "--mode", "fuzzy"), ("frobnicate",), ()])
def test_bad_arguments_exit_2_with_one_line(args):
    proc = qa(*args, check=False)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


@pytest.mark.parametrize("cmd", [(), ("build",), ("ask",)])
def test_help_shows_examples(cmd):
    out = qa(*cmd, "--help").stdout
    assert "examples:" in out and "qa " in out


def test_console_script_is_installed():
    from pathlib import Path

    exe = Path(sys.executable).parent / "qa"  # installed beside the interpreter running the tests
    proc = subprocess.run([exe, "--help"], capture_output=True, text=True)
    assert proc.returncode == 0 and "examples:" in proc.stdout
