"""Keyboard input: whole lines from stdin (tests, pipes), or single keys from a terminal (the live screen).

Barcode scanners type like a keyboard and end with Enter, so a scan arrives as one line either way.
A foot pedal is programmed to send a function key (F9 by default), which shoots with the camera source.
"""

from __future__ import annotations

import queue
import sys
import threading
from dataclasses import dataclass

from capture_station.fsutil import IS_WINDOWS

# Function keys: POSIX terminal escape sequences and Windows console scan codes (after '\x00' or '\xe0').
_POSIX_FKEYS = {"\x1bOP": "F1", "\x1bOQ": "F2", "\x1bOR": "F3", "\x1bOS": "F4", "\x1b[15~": "F5", "\x1b[17~": "F6",
                "\x1b[18~": "F7", "\x1b[19~": "F8", "\x1b[20~": "F9", "\x1b[21~": "F10", "\x1b[23~": "F11",
                "\x1b[24~": "F12", "\x1b[11~": "F1", "\x1b[12~": "F2", "\x1b[13~": "F3", "\x1b[14~": "F4"}
_WIN_FKEYS = {";": "F1", "<": "F2", "=": "F3", ">": "F4", "?": "F5", "@": "F6", "A": "F7", "B": "F8", "C": "F9",
              "D": "F10", "\x85": "F11", "\x86": "F12"}


@dataclass(frozen=True)
class Key:
    """An input event: a finished line, or a named key (F9, ESC)."""

    line: str | None = None
    name: str | None = None


class LineInput:
    """Reads whole lines from a stream in a thread; EOF ends the input (not the program)."""

    def __init__(self, stream=None) -> None:  # noqa: ANN001 - any text stream
        self.stream = stream or sys.stdin
        self.events: queue.Queue[Key] = queue.Queue()
        self.buffer = ""
        self.mask = False
        self.closed = False
        threading.Thread(target=self._read, name="stdin", daemon=True).start()

    def _read(self) -> None:
        for raw in self.stream:
            self.events.put(Key(line=raw.rstrip("\r\n")))
        self.closed = True

    def get(self) -> list[Key]:
        """The input that arrived since the last call."""
        out = []
        while True:
            try:
                out.append(self.events.get_nowait())
            except queue.Empty:
                return out

    def restore(self) -> None:
        """Nothing to undo."""


class TerminalKeys(LineInput):
    """Single keys from the console (no echo); the line being typed is shown by the screen."""

    def __init__(self) -> None:  # noqa: D107 - no stream: it reads the console itself
        self.events = queue.Queue()
        self.buffer = ""
        self.mask = False
        self.closed = False
        self._old = None
        if not IS_WINDOWS:
            import termios
            import tty

            fd = sys.stdin.fileno()
            self._old = termios.tcgetattr(fd)
            tty.setcbreak(fd)
        threading.Thread(target=self._read_keys, name="keys", daemon=True).start()

    def restore(self) -> None:
        """Give the terminal back its normal mode."""
        if self._old is not None:
            import termios

            termios.tcsetattr(sys.stdin.fileno(), termios.TCSADRAIN, self._old)
            self._old = None

    def _read_keys(self) -> None:
        while not self.closed:
            key = self._next_key()
            if key is None:
                continue
            if key in ("\r", "\n"):
                line, self.buffer = self.buffer, ""
                self.events.put(Key(line=line))
            elif key in ("\x7f", "\x08"):
                self.buffer = self.buffer[:-1]
            elif key == "ESC":
                self.buffer = ""
                self.events.put(Key(name="ESC"))
            elif key.startswith("F") and len(key) > 1:
                self.events.put(Key(name=key))
            elif key == "\x03":
                self.events.put(Key(name="CTRL-C"))
            elif key.isprintable():
                self.buffer += key

    def _next_key(self) -> str | None:
        if IS_WINDOWS:
            import msvcrt
            import time

            if not msvcrt.kbhit():  # type: ignore[attr-defined]
                time.sleep(0.02)
                return None
            ch = msvcrt.getwch()  # type: ignore[attr-defined]
            if ch in ("\x00", "\xe0"):
                return _WIN_FKEYS.get(msvcrt.getwch(), None)  # type: ignore[attr-defined]
            return "ESC" if ch == "\x1b" else ch
        import os
        import select

        fd = sys.stdin.fileno()
        ready, _, _ = select.select([fd], [], [], 0.1)
        if not ready:
            return None
        first = os.read(fd, 1)
        if not first:
            self.closed = True
            return None
        ch = first.decode("latin-1")
        if first != b"\x1b":
            # one character, which may take several UTF-8 bytes (Chinese typed through an IME)
            lead = first[0]
            size = 1 if lead < 0x80 else 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4
            data = first
            while len(data) < size:
                more = os.read(fd, 1)
                if not more:
                    break
                data += more
            return data.decode("utf-8", "replace")
        seq = ch
        while select.select([fd], [], [], 0.03)[0] and len(seq) < 6:
            seq += os.read(fd, 1).decode("ascii", "replace")
            if seq in _POSIX_FKEYS:
                return _POSIX_FKEYS[seq]
        return "ESC" if seq == "\x1b" else None
