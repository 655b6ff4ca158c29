"""Arrays in .npy files written and read a block of rows at a time, through plain file reads.

A build of a large archive writes more vectors than it may hold, and a memory-mapped file that
is read or written in full stays resident in the process that maps it: `NpyWriter` appends rows
to an .npy file (the same file `np.save` writes; the row count may be unknown until it closes),
and `NpyRows` reads rows of one with `pread`, holding only what was asked for.

>>> with NpyWriter(Path("v.npy"), np.float32, (None, 384)) as out:
...     out.write(block)                  # any number of times
>>> NpyRows(Path("v.npy"))[10:20].shape
(10, 384)
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np


def _header(dtype: np.dtype, shape: tuple[int, ...]) -> bytes:
    import io

    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buf, {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": shape})
    return buf.getvalue()


class Writer:
    """A file being written: `with` it, and it is closed (complete) when the block ends, or
    abandoned (left for its owner to delete) when the block raises."""

    def close(self) -> None:
        raise NotImplementedError

    def abandon(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        return self

    def __exit__(self, kind, *_) -> None:
        if kind is None:
            self.close()
        else:
            self.abandon()


class NpyWriter(Writer):
    """Rows appended to an .npy file; `shape[0]` None: as many rows as were written."""

    def __init__(self, path: Path, dtype, shape: tuple[int | None, ...]):
        self.path, self.dtype = path, np.dtype(dtype)
        self.expected, self.row_shape = shape[0], tuple(shape[1:])
        self.rows = 0
        self._f = open(path, "w+b")
        self._start = self._f.write(_header(self.dtype, (shape[0] or 0, *self.row_shape)))

    def write(self, rows: np.ndarray) -> None:
        rows = np.ascontiguousarray(rows, dtype=self.dtype).reshape((-1, *self.row_shape))
        self._f.write(rows.tobytes())
        self.rows += len(rows)

    def flush(self) -> None:
        """What was written is readable (by NpyRows.read_at) from here on."""
        self._f.flush()

    def read_at(self, row: int, count: int = 1) -> np.ndarray:
        """Rows already written (after `flush()`)."""
        size = self.dtype.itemsize * int(np.prod(self.row_shape, dtype=np.int64))
        if row < 0 or row + count > self.rows:
            raise IndexError(f"{self.path}: rows {row}..{row + count - 1} asked, {self.rows} written")
        data = os.pread(self._f.fileno(), size * count, self._start + size * row)
        return np.frombuffer(data, dtype=self.dtype).reshape((count, *self.row_shape)).copy()

    def close(self) -> None:
        """Finish the file: its header gives the rows written (a fixed count must have been met)."""
        if self._f.closed:
            return
        try:
            if self.expected is not None and self.rows != self.expected:
                raise ValueError(f"{self.path}: {self.rows} rows written, {self.expected} expected")
            if self.expected is None:
                header = _header(self.dtype, (self.rows, *self.row_shape))
                if len(header) != self._start:  # numpy pads every 2-D header to the same 128 bytes
                    raise ValueError(f"{self.path}: the .npy header changed size")
                self._f.seek(0)
                self._f.write(header)
        finally:
            self._f.close()

    def abandon(self) -> None:
        self._f.close()


class NpyRows:
    """Read-only rows of an .npy file (C order), read with `pread` when indexed: a slice, an
    int, or an array of row numbers (each contiguous run read at once)."""

    def __init__(self, path: Path):
        with open(path, "rb") as f:
            major, _ = np.lib.format.read_magic(f)
            read = np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0
            shape, fortran, dtype = read(f)
            self._start = f.tell()
        if fortran:
            raise ValueError(f"{path} is in Fortran order")
        self.path, self.shape, self.dtype = path, tuple(shape), np.dtype(dtype)
        self._row = self.dtype.itemsize * int(np.prod(self.shape[1:], dtype=np.int64))
        self._fd = os.open(path, os.O_RDONLY)

    def __len__(self) -> int:
        return self.shape[0]

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        """Every row (np.asarray reads the whole file)."""
        rows = self[0:len(self)]
        return rows if dtype is None else rows.astype(dtype)

    def _run(self, start: int, stop: int) -> np.ndarray:
        data = os.pread(self._fd, self._row * (stop - start), self._start + self._row * start)
        return np.frombuffer(data, dtype=self.dtype).reshape((stop - start, *self.shape[1:]))

    def __getitem__(self, key) -> np.ndarray:
        if isinstance(key, slice):
            start, stop, step = key.indices(len(self))
            if step != 1:
                raise IndexError("NpyRows takes slices with step 1")
            return self._run(start, max(stop, start))
        if isinstance(key, (int, np.integer)):
            return self._run(int(key), int(key) + 1)[0]
        rows = np.asarray(key, dtype=np.int64)
        out = np.empty((len(rows), *self.shape[1:]), dtype=self.dtype)
        if not len(rows):
            return out
        order = np.argsort(rows, kind="stable")
        sorted_rows = rows[order]
        breaks = np.flatnonzero(np.diff(sorted_rows) != 1) + 1
        for run in np.split(np.arange(len(rows)), breaks):
            a, b = int(sorted_rows[run[0]]), int(sorted_rows[run[-1]]) + 1
            out[order[run]] = self._run(a, b)
        return out

    def close(self) -> None:
        fd, self._fd = self._fd, -1
        if fd >= 0:
            os.close(fd)

    def __del__(self) -> None:  # a reader dropped without close() (a generation replaced)
        if getattr(self, "_fd", -1) >= 0:
            self.close()
