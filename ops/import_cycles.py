"""Fail on any import cycle between the product's modules, imports inside functions included.

    python -m ops.import_cycles          # `make lint` runs it; exit status 1 lists each cycle

A cycle that Python happens to tolerate today (one side imports inside a function, or names
are looked up late) breaks as soon as someone moves an import or a name, and it hides which
module owns what. The graph is read from the source with `ast`: every `import` and
`from ... import` anywhere in a module (functions, methods, try blocks) is an edge, except
those under `if TYPE_CHECKING:`, which never run. `from package import name` is an edge to
the module `package.name` when there is one, otherwise to `package` (whose namespace is read);
importing `a.b.c` also runs `a/__init__` and `a/b/__init__`, so those are edges as well.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# First-party packages; folders that do not exist yet (later domains) are skipped.
PACKAGES = ("gateway", "matrix", "mini_program", "push", "broadcast", "ops")
SKIP_PARTS = {"migrations", "node_modules", "__pycache__", "client"}


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    line: int


def module_files(root: Path = ROOT) -> dict[str, Path]:
    """Dotted module name → file, for every first-party module."""
    found: dict[str, Path] = {}
    for package in PACKAGES:
        base = root / package
        if not (base / "__init__.py").is_file():
            continue
        for path in sorted(base.rglob("*.py")):
            rel = path.relative_to(root)
            if SKIP_PARTS & set(rel.parts):
                continue
            parts = list(rel.with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node of the tree except what sits under `if TYPE_CHECKING:`."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def edges_of(module: str, path: Path, known: set[str]) -> Iterator[Edge]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    for node in _runtime_nodes(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, is_package, node)
            # A submodule named in the import is the edge; any other name is read from base.
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                for alias in node.names
            ]
        line = getattr(node, "lineno", 0)
        for target in dict.fromkeys(targets):
            # Importing a.b.c runs a/__init__ and a/b/__init__ first: edges to those packages
            # too, except the packages that contain this module (already being imported).
            parts = target.split(".")
            for n in range(1, len(parts) + 1):
                name = ".".join(parts[:n])
                if name in known and name != module and not module.startswith(name + "."):
                    yield Edge(module, name, line)


def import_graph(root: Path = ROOT) -> dict[str, list[Edge]]:
    files = module_files(root)
    known = set(files)
    return {module: list(edges_of(module, path, known)) for module, path in files.items()}


def _strongly_connected(graph: dict[str, list[Edge]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative (the graph is small, but recursion limits are not)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, Iterator[Edge]]] = [(start, iter(graph[start]))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            advanced = False
            for edge in edges:
                nxt = edge.target
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(graph.get(nxt, []))))
                    advanced = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def find_cycles(root: Path = ROOT) -> list[list[Edge]]:
    """Each group of modules that import each other, as the edges between them."""
    graph = import_graph(root)
    cycles = []
    for component in _strongly_connected(graph):
        members = set(component)
        cycles.append(
            [e for m in component for e in graph[m] if e.target in members],
        )
    return cycles


def describe(cycles: Iterable[list[Edge]]) -> str:
    lines = []
    for edges in cycles:
        modules = sorted({e.source for e in edges})
        lines.append("import cycle between " + ", ".join(modules) + ":")
        lines.extend(f"  {e.source} (line {e.line}) imports {e.target}" for e in edges)
    return "\n".join(lines)


def main() -> int:
    cycles = find_cycles()
    if cycles:
        print(describe(cycles), file=sys.stderr)
        return 1
    print(f"no import cycles among {len(module_files())} modules")
    return 0


if __name__ == "__main__":
    sys.exit(main())
