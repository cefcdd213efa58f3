"""The scope rule, checked over the source: only edges enter a tenant or platform scope.

Edges are request middleware, Celery task modules and management commands (the admin and the
API run inside the middleware's scope). The audit log's writer is the one named exception: it
writes each event into its own tenant's chain, whatever scope its caller runs in (the chain's
scopes in audit/recording/chain.py; the lookup of an admin-changed object's tenant in
audit/recording/console.py).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APPS = ("config", "tenants", "vision", "audit", "verification", "moderation")
SCOPE_OPENERS = {"tenant_scope", "platform_scope"}
EXCEPTIONS = {"tenants/scope.py", "audit/recording/chain.py", "audit/recording/console.py"}


def is_edge(path: str) -> bool:
    name = Path(path).name
    return name in {"middleware.py", "tasks.py"} or "/management/commands/" in path or path in EXCEPTIONS


def scope_openings(source: str) -> list[int]:
    """Lines that call tenant_scope(...) or platform_scope(...)."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            function = node.func
            name = function.id if isinstance(function, ast.Name) else getattr(function, "attr", None)
            if name in SCOPE_OPENERS:
                lines.append(node.lineno)
    return lines


def test_no_module_but_an_edge_opens_a_scope() -> None:
    offenders = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or is_edge(relative):
                continue
            offenders += [f"{relative}:{line}" for line in scope_openings(path.read_text())]
    assert offenders == [], "services must call require_scope(); only edges enter a scope"


def test_the_check_finds_a_service_that_opens_a_scope() -> None:
    service = "def thing_do(*, tenant):\n    with tenant_scope(tenant):\n        pass\n"
    qualified = "from tenants import scope\ndef f():\n    with scope.platform_scope():\n        pass\n"
    assert scope_openings(service) == [2]
    assert scope_openings(qualified) == [3]
    assert scope_openings("def f(*, tenant):\n    require_scope(tenant)\n") == []
    assert not is_edge("verification/services.py")
    assert is_edge("audit/tasks.py")
    assert is_edge("tenants/management/commands/tenant_create.py")
