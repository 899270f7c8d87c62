"""The layers point one way: a module never imports a layer above its own.

    core  <-  accounts  <-  numbers  <-  imports, exports, sync  <-  ops, demo, web  <-  config

``core`` is the ground floor and imports nothing of didhub. When a lower layer must
tell a higher one something (numbers changed: the sync outbox must hear of it), the
higher one registers a handler in its ``AppConfig.ready()``. Apps on one floor may use
each other. Every ``import`` and ``from ... import`` statement of every module counts,
including those inside functions: a lazy import is still a dependency.
"""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "didhub"
FLOOR = {
    "core": 0,
    "accounts": 1,
    "numbers": 2,
    "imports": 3,
    "exports": 3,
    "sync": 3,
    "ops": 4,
    "demo": 4,
    "web": 4,
    "config": 5,
}
# Dependencies that still point up, each with the change that will remove it. The test
# fails when one of them disappears too, so that this list only ever shrinks.
NOT_YET: dict[tuple[str, str], str] = {}


def upward_imports() -> dict[tuple[str, str], list[str]]:
    found: dict[tuple[str, str], list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if len(relative.parts) < 2 or "tests" in relative.parts or "migrations" in relative.parts:
            continue
        app = relative.parts[0]
        if app not in FLOOR:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.module:
                modules = [node.module]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            else:
                continue
            for module in modules:
                parts = module.split(".")
                if parts[0] != "didhub" or len(parts) < 2 or parts[1] not in FLOOR:
                    continue
                target = parts[1]
                if target != app and FLOOR[target] > FLOOR[app]:
                    found.setdefault((app, target), []).append(f"{relative}:{node.lineno}")
    return found


def test_no_layer_imports_a_layer_above_it():
    found = upward_imports()
    unexpected = {pair: where for pair, where in found.items() if pair not in NOT_YET}
    assert not unexpected, f"imports that point up: {unexpected}"


def test_the_list_of_known_upward_imports_only_shrinks():
    gone = set(NOT_YET) - set(upward_imports())
    assert not gone, f"no longer imported, remove from NOT_YET: {gone}"


def test_every_app_has_a_floor():
    apps = {path.parent.name for path in PACKAGE.glob("*/apps.py")} | {"config"}
    assert apps == set(FLOOR), apps ^ set(FLOOR)
