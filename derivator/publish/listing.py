"""The algorithm as code: the heart of the NumPy module that ``derivator codegen`` writes.

The article shows the module of its own network (``codegen.module_source``, not a copy): the
activation helper, the forward pass, one function per layer and ``gradients``, with the module's
tables of constants that they read (so that the listing runs as it stands).  Left out, and said so in
the text: the module's docstrings (they repeat the article's formulas) and its shape checks.
Why parse instead of slicing text: the module is generated, and ``ast`` finds its functions
whatever their length (it only reads the source, nothing is executed).
"""

from __future__ import annotations

import ast
import re

from ..codegen import CodegenError, module_source
from ..engine import Network

#: top-level functions of the module that a reader of the algorithm does not need (checks,
#: conveniences around the three that compute: the forward pass, one function per layer, gradients)
_LEFT_OUT = {
    "_check",
    "_explain",
    "forward",
    "loss",
    "loss_and_gradients",
    "init_params",
    "save_params",
    "load_params",
}


def widths_for(back: int) -> tuple[int, ...]:
    """Widths of a network as deep as the article's, all different (3 inputs, 2 outputs)."""
    return (3,) + tuple(range(back + 3, 3, -1)) + (2,)


def listing(activation: str, loss: str, back: int) -> str | None:
    """The listing for the article's network, or None when codegen has no code for it (generic σ)."""
    try:
        source = module_source(Network(widths=widths_for(back), activation=activation, loss=loss))
    except CodegenError:
        return None
    lines = source.splitlines()
    chunks: list[tuple[str, str]] = []
    tables: list[
        tuple[str, str]
    ] = []  # module-level constants (_FLOATS, _ONE, …), in the module's order
    for node in ast.parse(source).body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id.startswith("_")
        ):
            assert node.end_lineno is not None
            tables.append((node.targets[0].id, "\n".join(lines[node.lineno - 1 : node.end_lineno])))
        if not isinstance(node, ast.FunctionDef) or node.name in _LEFT_OUT:
            continue
        assert node.end_lineno is not None
        skip: set[int] = set()
        first = node.body[0]
        if (
            isinstance(first, ast.Expr)
            and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)
        ):
            assert first.end_lineno is not None
            skip = set(range(first.lineno, first.end_lineno + 1))
        for stmt in node.body:  # the shape check: a call of _check(...)
            if (
                isinstance(stmt, ast.Expr)
                and isinstance(stmt.value, ast.Call)
                and isinstance(stmt.value.func, ast.Name)
                and stmt.value.func.id == "_check"
            ):
                skip.add(stmt.lineno)
        start = min([node.lineno] + [d.lineno for d in node.decorator_list])  # np.errstate stays
        chunks.append(
            (
                node.name,
                "\n".join(lines[k - 1] for k in range(start, node.end_lineno + 1) if k not in skip),
            )
        )
    # helpers only the left-out functions call (the log-softmax of the loss) go too
    kept = [
        (name, text)
        for name, text in chunks
        if not name.startswith("_")
        or any(f"{name}(" in other for n2, other in chunks if n2 != name)
    ]
    # the tables the kept code reads, and the tables those read (_FLOATS)
    used: list[str] = []
    for name, _ in reversed(tables):
        if any(
            re.search(rf"\b{name}\b", t) for _, t in kept + [(n, t) for n, t in tables if n in used]
        ):
            used.append(name)
    head = "\n".join(text for name, text in tables if name in used)
    return (head + "\n\n\n" if head else "") + "\n\n".join(text for _, text in kept) + "\n"
