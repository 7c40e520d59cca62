"""The package layout is the architecture (docs/architecture.md): data flows one way, engine →
document / publish / codegen → cli, and no module uses another module's underscore names.

Read from the source with ``ast`` (nothing is imported), so the test sees lazy imports inside
functions as well."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "derivator"

# what each sub-package may import from derivator (besides itself); ``system`` (files, deadlines,
# bounded children) sits below every layer and imports nothing of derivator
ALLOWED = {
    "system": set(),
    "engine": {"system"},
    "document": {"engine", "system"},
    "codegen": {"engine", "system"},
    "publish": {"engine", "codegen", "system"},
    "cli": {"engine", "document", "publish", "codegen", "api", "__init__", "system"},
    "api": {"engine", "publish", "codegen", "system"},
    "__init__": {"engine", "api", "system"},
    "__main__": {"cli"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, absolute module, imported names) of every import in the file."""
    name = module_name(path)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            out.append((node.lineno, target, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            out.extend((node.lineno, a.name, []) for a in node.names)
    return out


def room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


SOURCES = sorted(PACKAGE.rglob("*.py"))
MODULES = {module_name(p) for p in SOURCES}


def test_data_flows_one_way() -> None:
    wrong = []
    for path in SOURCES:
        here = room(module_name(path))
        for line, target, names in imports(path):
            if not target.startswith("derivator"):
                continue
            targets = {target} | {f"{target}.{n}" for n in names if f"{target}.{n}" in MODULES}
            for t in targets:
                there = room(t)
                if there != here and t != "derivator" and there not in ALLOWED[here]:
                    wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line} ({here}) imports {t}")
    assert not wrong, "\n".join(wrong)


def test_no_module_uses_another_modules_private_names() -> None:
    wrong = []
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases: dict[str, str] = {}
        for line, target, names in imports(path):
            for n in names:
                if f"{target}.{n}" in MODULES:
                    aliases[n] = f"{target}.{n}"
                elif (
                    n.startswith("_") and not n.startswith("__") and target.startswith("derivator")
                ):
                    wrong.append(
                        f"{path.relative_to(PACKAGE.parent)}:{line} imports {n} from {target}"
                    )
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                for a in node.names:
                    if a.asname and a.name in aliases:
                        aliases[a.asname] = aliases[a.name]
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                wrong.append(
                    f"{path.relative_to(PACKAGE.parent)}:{node.lineno} uses {node.value.id}.{node.attr}"
                )
    assert not wrong, "\n".join(wrong)


def test_every_package_says_what_it_holds_and_may_import() -> None:
    for init in PACKAGE.glob("*/__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        assert "May import" in doc, f"{init} has no docstring saying what it may import"


def test_the_architecture_lists_every_publish_module() -> None:
    """docs/architecture.md names each module of publish, so that a new one is described there."""
    doc = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    modules = sorted(p.stem for p in (PACKAGE / "publish").glob("*.py") if p.stem != "__init__")
    missing = [m for m in modules if f"| `{m}` |" not in doc]
    assert len(modules) >= 10 and not missing, missing


def test_the_engines_names_are_its_registries() -> None:
    """``engine.names`` lists what the registries hold without importing SymPy (the command line
    is built from it): a new activation or loss changes both, or this fails."""
    from derivator.engine import activations, losses, names, network, notation, proof

    assert tuple(activations.ACTIVATIONS) == names.ACTIVATIONS
    assert names.LOSSES == losses.OFFERED
    assert names.ARTICLE_LOSSES == losses.ARTICLE
    assert names.NETWORK_KINDS == network.NETWORK_KINDS
    assert names.TARGETS == network.TARGETS
    assert tuple(proof.VERDICTS) == names.VERDICTS
    assert names.DEFAULT_LETTERS == notation.DEFAULT_LETTERS
