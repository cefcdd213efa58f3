"""Fail if Verity's own modules import each other in a cycle (function-level imports included).

The layers contract of `lint-imports` (pyproject.toml) orders the groups of modules; this
checks the whole module graph, inside a layer too, with grimp (which import-linter is built on).

Usage: .venv/bin/python bin/check_import_cycles.py   (`make lint` runs it)
"""

from __future__ import annotations

import sys
from pathlib import Path

import grimp

ROOT_PACKAGES = ("config", "tenants", "vision", "audit", "verification", "moderation")


def import_cycles(imports: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    for root in sorted(imports):
        if root in index:
            continue
        work = [(root, iter(sorted(imports[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            module, pending = work[-1]
            target = next(pending, None)
            if target is not None:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(imports[target]))))
                elif target in on_stack:
                    low[module] = min(low[module], index[target])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[module])
            if low[module] == index[module]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == module:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
    return cycles


def main() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    graph = grimp.build_graph(*ROOT_PACKAGES)
    imports = {module: set(graph.find_modules_directly_imported_by(module)) for module in graph.modules}
    cycles = import_cycles(imports)
    for cycle in cycles:
        print("Modules that import each other in a cycle:", ", ".join(cycle))
    print(f"{len(imports)} modules, {sum(map(len, imports.values()))} imports, {len(cycles)} cycle(s).")
    return 1 if cycles else 0


if __name__ == "__main__":
    sys.exit(main())
