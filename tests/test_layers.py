"""The import rule of docs/ARCHITECTURE.md: a layer of service/ imports only itself and the
layers below it, so the arrows between the rooms point one way. Read from the source with ast
(imports inside functions count too), so a violation fails here before it is ever run."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Bottom first. A module may import modules of its own layer and of the layers before it.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("common", ("service.common", "service.settings")),
    ("store", ("service.store",)),
    ("telemetry", ("service.telemetry",)),
    ("schemas", ("service.schemas",)),
    ("domain", ("service.domain",)),
    ("jobs", ("service.jobs",)),
    ("state", ("service.state",)),
    ("edge", ("service.deps", "service.auth", "service.web")),
    ("routes", ("service.api", "service.ui")),
    ("app", ("service.main", "service.local_server")),
    ("tools", ("service.tools",)),
    ("cli", ("service.cli",)),
]
# Rooms of one layer that must not lean on each other.
APART = [("service.api", "service.ui")]
# What the layers below the routes share with the CLI and the jobs holds no web framework.
NO_WEB = (
    "service.common",
    "service.telemetry",
    "service.store",
    "service.schemas",
    "service.domain",
    "service.jobs",
)
WEB = ("fastapi", "starlette")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{a.name}" for a in node.names]
            found += [(node.lineno, n) for n in [node.module, *names]]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
    return found


def within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def layer_of(module: str) -> int | None:
    for index, (_, prefixes) in enumerate(LAYERS):
        if within(module, prefixes):
            return index
    return None


def sources() -> list[Path]:
    return sorted(
        p for p in (ROOT / "service").rglob("*.py") if "migrations" not in p.parts or p.name == "env.py"
    )


def test_every_service_module_has_a_layer() -> None:
    loose = [
        module_name(p) for p in sources() if module_name(p) != "service" and layer_of(module_name(p)) is None
    ]
    assert not loose, f"modules outside every layer of tests/test_layers.py: {loose}"


def test_layers_import_only_downwards() -> None:
    wrong = []
    for path in sources():
        me = module_name(path)
        mine = layer_of(me)
        if mine is None:
            continue
        for line, target in imports(path):
            theirs = layer_of(target)
            if theirs is not None and theirs > mine:
                wrong.append(
                    f"{path.relative_to(ROOT)}:{line} ({LAYERS[mine][0]}) imports {target} ({LAYERS[theirs][0]})"
                )
            for a, b in APART:
                if (within(me, (a,)) and within(target, (b,))) or (within(me, (b,)) and within(target, (a,))):
                    wrong.append(f"{path.relative_to(ROOT)}:{line} imports {target}: {a} and {b} stay apart")
            if within(me, NO_WEB) and target.split(".")[0] in WEB:
                wrong.append(
                    f"{path.relative_to(ROOT)}:{line} imports {target}: no web framework below the routes"
                )
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("package", ["models", "training"])
def test_the_ml_core_and_training_stay_out_of_the_service(package: str) -> None:
    """models/ is the ML core (no web code); training/ reaches the service only to evaluate it."""
    allowed = (
        () if package == "models" else ("service.local_server", "service.settings", "service.domain.runtime")
    )
    wrong = [
        f"{p.relative_to(ROOT)}:{line} imports {target}"
        for p in sorted((ROOT / package).rglob("*.py"))
        for line, target in imports(p)
        if (target.split(".")[0] in ("service", *WEB) and not within(target, allowed))
    ]
    assert not wrong, "\n".join(wrong)


def test_the_rule_finds_an_upward_import(tmp_path: Path) -> None:
    """The check itself: a store module importing a route is caught."""
    bad = tmp_path / "bad.py"
    bad.write_text("from service.api.comments import router\n", encoding="utf-8")
    assert layer_of("service.store.comments") < layer_of(imports(bad)[0][1])
