"""qa build --ray: reading and embedding as tasks on a real local Ray cluster, one index written.

Ray listens on every interface (::) whatever address it is given, so the cluster and the build
run in a network namespace of their own that has only the loopback device (`unshare -n`, as
root): nothing they open can be reached from outside, and the test leaves no Ray process behind
(the namespace's processes are the test's, ended by ray.shutdown and by its own exit).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from qa import build_index

from conftest import ROOT
from test_scale import corpus, index_files

ray = pytest.importorskip("ray")

IN_NAMESPACE = textwrap.dedent("""
    import json, subprocess, sys, ray
    seeds, index, temp = sys.argv[1:4]
    links = [line.split()[0] for line in
             subprocess.run(["ip", "-brief", "link"], capture_output=True, text=True).stdout.splitlines()]
    ctx = ray.init(num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1", _temp_dir=temp,
                   configure_logging=False, log_to_driver=False)
    try:
        address = ctx.address_info["gcs_address"]
        build = subprocess.run([sys.executable, "-m", "qa", "build", "--seeds", seeds, "--index", index,
                                "--json", "--ray", address], capture_output=True, text=True, timeout=900)
    finally:
        ray.shutdown()
    print(json.dumps({"links": links, "address": address, "code": build.returncode,
                      "stdout": build.stdout, "stderr": build.stderr[-3000:]}))
""")


def namespace_or_skip() -> list[str]:
    """A command prefix that runs in a new network namespace with only the loopback device, up."""
    prefix = ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh"]
    try:
        probe = subprocess.run([*prefix, "true"], capture_output=True)
    except FileNotFoundError:  # no unshare (util-linux)
        probe = None
    if probe is None or probe.returncode != 0:
        pytest.skip("no network namespace here (unshare -n needs root, and ip from iproute2)")
    return prefix


def test_ray_build_on_a_local_cluster_equals_a_local_build(tmp_path):
    prefix = namespace_or_skip()
    seeds = tmp_path / "seeds"
    corpus(seeds, 40)
    temp = f"/tmp/qa-ray-{os.getpid()}"  # short: Ray's socket paths must fit 107 bytes
    env = dict(os.environ, HF_HUB_OFFLINE="1", RAY_USAGE_STATS_ENABLED="0", PYTHONPATH=str(ROOT),
               TOKENIZERS_PARALLELISM="false")
    try:
        proc = subprocess.run([*prefix, sys.executable, "-c", IN_NAMESPACE, str(seeds), str(tmp_path / "ray-index"),
                               temp], capture_output=True, text=True, timeout=1200, env=env, cwd=ROOT)
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["links"] == ["lo"] and out["address"].startswith("127.0.0.1:")
    assert out["code"] == 0, out["stderr"]
    report = json.loads(out["stdout"])
    assert len(report["added"]) == 40 and report["embedded_chunks"] == report["chunks"]

    build_index(seeds, tmp_path / "local-index", workers=1)
    got, want = index_files(tmp_path / "ray-index"), index_files(tmp_path / "local-index")
    assert got["chunks"] == want["chunks"] and got["entries"] == want["entries"]
    assert np.abs(got["vectors"] - want["vectors"]).max() < 1e-5
    assert np.abs(got["sentences"] - want["sentences"]).max() < 1e-5
