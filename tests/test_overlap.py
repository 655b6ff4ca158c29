"""qa.overlap: a task started beside the caller gives its result or its exception, and runs
inline when no helper is free."""

from __future__ import annotations

import threading

import pytest

from qa import overlap as ov


def test_result_and_exception_come_back():
    assert ov.overlap(sum, [1, 2, 3])() == 6
    later = ov.overlap(int, "not a number")
    with pytest.raises(ValueError):
        later()


@pytest.mark.skipif(not ov._HELPERS, reason="a single core: everything runs inline")
def test_runs_on_a_helper_and_inline_when_helpers_are_busy():
    release = threading.Event()
    caller = threading.get_ident()
    # Occupy every helper with a task that waits, then start one more: it must run inline.
    busy = [ov.overlap(lambda: (release.wait(5), threading.get_ident())[1]) for _ in range(ov._HELPERS)]
    inline = ov.overlap(threading.get_ident)
    assert inline() == caller
    release.set()
    assert all(get() != caller for get in busy)
    assert ov.overlap(threading.get_ident)() != caller  # helpers free again
