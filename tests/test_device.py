"""--device: the torch backend embeds on a GPU when one is present, says where, and vectors agree."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from qa.device import TOLERANCE, DeviceError, cuda_available, resolve_device

from conftest import ROOT, SEEDS
from test_scale import index_files

no_gpu = pytest.mark.skipif(cuda_available(), reason="this test is about a machine without a CUDA GPU")


def qa_build(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qa", "build", *args], cwd=ROOT, capture_output=True, text=True,
                          env=dict(os.environ, HF_HUB_OFFLINE="1"), timeout=600)


def test_device_choice():
    assert resolve_device("cpu") == "cpu"
    assert resolve_device("auto") == ("cuda" if cuda_available() else "cpu")
    assert resolve_device("auto", "onnx-int8") == "cpu"
    with pytest.raises(DeviceError, match="needs --backend torch"):
        resolve_device("cuda", "onnx-int8")
    with pytest.raises(DeviceError, match="unknown device"):
        resolve_device("tpu")


@no_gpu
def test_cuda_without_a_gpu_is_a_one_line_error(tmp_path):
    shutil.copytree(SEEDS, tmp_path / "seeds")
    proc = qa_build("--seeds", str(tmp_path / "seeds"), "--index", str(tmp_path / "index"),
                    "--backend", "torch", "--device", "cuda")
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.startswith("qa build: error: --device cuda: no CUDA GPU is available")
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "index").exists()


def test_cpu_and_auto_builds_say_where_and_agree(tmp_path):
    shutil.copytree(SEEDS, tmp_path / "seeds")
    out = {}
    for device in ("cpu", "auto"):
        proc = qa_build("--seeds", str(tmp_path / "seeds"), "--index", str(tmp_path / device),
                        "--backend", "torch", "--device", device)
        assert proc.returncode == 0, proc.stderr
        where = resolve_device(device)
        assert f"embedding on {where}" in proc.stdout and "torch backend" in proc.stdout
        out[device] = index_files(tmp_path / device)
    assert np.abs(out["cpu"]["vectors"] - out["auto"]["vectors"]).max() <= TOLERANCE
    assert np.abs(out["cpu"]["sentences"] - out["auto"]["sentences"]).max() <= TOLERANCE
