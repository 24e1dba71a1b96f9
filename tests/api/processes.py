"""A server's processes, read from /proc (Linux): what the text-worker server tests count."""

from __future__ import annotations

from pathlib import Path


def _stat(pid: int) -> list[str] | None:
    """/proc/<pid>/stat from field 3 (`state`) on; comm, which may hold spaces, is skipped."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def alive(pid: int) -> bool:
    fields = _stat(pid)
    return fields is not None and fields[0] != "Z"


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def descendants(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) is not None:
            parents[int(entry.name)] = int(fields[1])
    found, frontier = [], [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        found += children
        frontier += children
    return found


def spawned_children(parent: int) -> list[int]:
    """Living children of `parent` started by multiprocessing's `spawn` (uvicorn's workers, the
    text workers), not its resource tracker (which `spawn` also starts)."""
    children = []
    for pid in Path("/proc").iterdir():
        if not pid.name.isdigit() or (fields := _stat(int(pid.name))) is None:
            continue
        command = _cmdline(int(pid.name))
        if (
            int(fields[1]) == parent
            and fields[0] != "Z"
            and "spawn_main" in command
            and "resource_tracker" not in command
        ):
            children.append(int(pid.name))
    return children


def nice_of(pid: int) -> int:
    fields = _stat(pid)
    assert fields is not None
    return int(fields[16])  # field 19 of /proc/<pid>/stat
