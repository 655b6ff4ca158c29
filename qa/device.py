"""Where the torch backend embeds: a GPU when one is present (`--device auto`), or as asked.

Vectors from a GPU and from the CPU agree to within `TOLERANCE` (float32 kernels differ in their
last bits, not more); an index built on one and searched on the other works as usual.

>>> resolve_device("auto")
'cpu'          # on a machine without CUDA
"""

from __future__ import annotations

from .errors import QAError

DEVICES = ("auto", "cuda", "cpu")
TOLERANCE = 1e-4
"""Largest difference of any component between two unit vectors of the same text, GPU vs CPU."""


class DeviceError(QAError, ValueError):
    """The device asked for is not there."""


def cuda_available() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def resolve_device(requested: str, backend: str = "torch") -> str:
    """"cuda" or "cpu" for `requested` ("auto", "cuda", "cpu"); only the torch backend uses a GPU."""
    if requested not in DEVICES:
        raise DeviceError(f"unknown device {requested!r}; use one of {', '.join(DEVICES)}")
    if backend != "torch":
        if requested == "cuda":
            raise DeviceError(f"--device cuda needs --backend torch (the {backend} backend runs on the CPU)")
        return "cpu"
    if requested == "cpu":
        return "cpu"
    if cuda_available():
        return "cuda"
    if requested == "cuda":
        raise DeviceError("--device cuda: no CUDA GPU is available here (torch.cuda.is_available() is False); "
                          "use --device cpu or auto")
    return "cpu"


def device_note(device: str, backend: str) -> str:
    """The one line a build prints about where it embedded."""
    if device == "cuda":
        import torch

        return f"embedding on cuda ({torch.cuda.get_device_name(0)}), {backend} backend"
    return f"embedding on cpu, {backend} backend"
