"""Reading a user's file for ``check``: a regular file of bounded size, in UTF-8, with one kind
of line end; or standard input under the same limits.  Nothing here needs the engine.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

#: the file suffixes ``check`` reads, and the reader each one gets
SUFFIXES = {
    ".md": "md",
    ".markdown": "md",
    ".tex": "tex",
    ".ltx": "tex",
    ".ipynb": "ipynb",
}
#: the largest file read (bytes): bigger ones are refused before reading, not truncated
MAX_BYTES = 16 * 1024 * 1024


class FileError(Exception):
    """A file that cannot be read at all (missing, not UTF-8, not a regular file, too big);
    ``line`` is where, when one line is to blame."""

    def __init__(self, name: str, reason: str, line: int | None = None) -> None:
        super().__init__(f"{name}:{line}: {reason}" if line else f"{name}: {reason}")
        self.reason, self.line = reason, line


def kind_of(name: str, text: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix in SUFFIXES:
        return SUFFIXES[suffix]
    return "tex" if re.search(r"\\begin\{document\}|\\documentclass", text) else "md"


_KINDS = {
    stat.S_ISFIFO: "a FIFO",
    stat.S_ISCHR: "a character device",
    stat.S_ISBLK: "a block device",
    stat.S_ISSOCK: "a socket",
    stat.S_ISDIR: "a directory",
}


def read(path: Path, max_bytes: int = MAX_BYTES) -> str:
    """The text of a regular file of at most ``max_bytes`` bytes.  Opened without blocking and
    checked before reading, so that a FIFO or /dev/zero is refused instead of hanging."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise FileError(str(path), "no such file") from None
    except IsADirectoryError:
        raise FileError(str(path), "is a directory") from None
    except OSError as e:
        raise FileError(str(path), f"cannot be read ({e.strerror})") from None
    try:
        st = os.fstat(fd)
        for test, what in _KINDS.items():
            if test(st.st_mode):
                raise FileError(str(path), f"is {what}, not a regular file")
        if st.st_size > max_bytes:
            raise FileError(
                str(path), f"{st.st_size:,} bytes, more than the limit of {max_bytes:,} bytes"
            )
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(max_bytes + 1)
    except OSError as e:
        raise FileError(str(path), f"cannot be read ({e.strerror})") from None
    finally:
        os.close(fd)
    return decode(str(path), data, max_bytes)


def read_stream(stream: Any, max_bytes: int = MAX_BYTES) -> str:
    """Standard input (a binary stream, or None when it is closed), with the same limits."""
    if stream is None:
        raise FileError("<stdin>", "standard input is closed")
    try:
        data = stream.read(max_bytes + 1)
    except (OSError, ValueError) as e:
        raise FileError(
            "<stdin>", f"cannot be read ({getattr(e, 'strerror', None) or e})"
        ) from None
    return decode("<stdin>", data, max_bytes)


def decode(name: str, data: bytes, max_bytes: int = MAX_BYTES) -> str:
    """UTF-8 text with every line break made ``\\n`` (CRLF and a lone CR included: a reader
    counts lines the same way, and every scanner then sees one kind of line end)."""
    if len(data) > max_bytes:
        raise FileError(name, f"more than the limit of {max_bytes:,} bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise FileError(
            name,
            f"not UTF-8 (byte 0x{data[e.start]:02x} at offset {e.start}); save the file as UTF-8",
            line,
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")
