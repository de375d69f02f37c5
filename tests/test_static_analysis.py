"""Static checks of the shipped code: bandit finds no medium or high severity issue (each accepted one is marked
nosec with why), no import circle, qc and the station stay apart from the server, no module past 400 lines."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bandit_is_clean() -> None:
    bandit = Path(sys.executable).parent / "bandit"
    r = subprocess.run(
        [str(bandit), "-q", "-r", "app", "qc", "capture_station", "-ll"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stdout[-5000:] + r.stderr[-2000:]


# --- the shape of the code: no import circles, the packages' layering, no module past 400 lines -------------

PACKAGES = ("app", "qc", "capture_station")
MAX_LINES = 400
# Files allowed past MAX_LINES for now, each with the issue that splits it.
LONG_FILES_ALLOWED: set[str] = set()


def _module_files() -> dict[str, Path]:
    """Every module of the three packages by dotted name (a package by its own name), to its file."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _imported_names(name: str, path: Path) -> set[str]:
    """What each import statement of this file names, at module level or inside a function, as dotted names:
    `import a.b` gives a.b, `from a.b import c` gives a.b.c (c may be a submodule or a name in a.b)."""
    is_package = path.name == "__init__.py"
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from the file's own package upwards
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names.update(f"{module}.{alias.name}" for alias in node.names)  # a submodule, or a name in module
    return names


def _import_graph() -> dict[str, set[str]]:
    """Module -> the modules of the three packages it imports (the longest known module each imported name starts
    with: `from qc import page` depends on qc.page, `from qc import check` on the package qc itself)."""
    modules = _module_files()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for imported in _imported_names(name, path):
            parts = imported.split(".")
            while parts and ".".join(parts) not in modules:
                parts.pop()
            if parts and ".".join(parts) != name:
                targets.add(".".join(parts))
        graph[name] = targets
    return graph


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle as [a, b, ..., a], or None (depth-first search, iterative)."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    for root in sorted(graph):
        if state.get(root):
            continue
        path, stack = [root], [iter(sorted(graph[root]))]
        state[root] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            elif not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(sorted(graph.get(nxt, ()))))
    return None


def test_find_cycle_finds_a_circle_and_only_a_circle() -> None:
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_no_import_circle_in_app_qc_or_capture_station() -> None:
    """Two modules that import each other (even inside a function) break in ways their names do not show."""
    cycle = _find_cycle(_import_graph())
    assert cycle is None, "import circle: " + " -> ".join(cycle or [])


def test_qc_and_the_station_do_not_import_the_server() -> None:
    """qc imports neither app nor capture_station; capture_station does not import app."""
    forbidden = {"qc": ("app", "capture_station"), "capture_station": ("app",)}
    wrong = []
    for name, path in _module_files().items():
        top = name.split(".")[0]
        for imported in _imported_names(name, path):
            if imported.split(".")[0] in forbidden.get(top, ()):
                wrong.append(f"{path.relative_to(ROOT)} imports {imported}")
    assert not wrong, "\n".join(sorted(wrong))


def test_no_module_over_400_lines() -> None:
    """A module past 400 lines wants splitting along its sections (STYLE.md)."""
    long = {
        str(path.relative_to(ROOT)): n
        for path in _module_files().values()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    unexpected = {f: n for f, n in long.items() if f not in LONG_FILES_ALLOWED}
    assert not unexpected, f"modules over {MAX_LINES} lines: {unexpected}"
