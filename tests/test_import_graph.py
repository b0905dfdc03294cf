"""The package's import graph: stages import only upstream stages, no cycles, no borrowed private names.

Walks every module of ``arclf/`` with :mod:`ast` (imports inside functions included, since
those are where cycles hide) and fails on:

- an import cycle between modules;
- a subpackage importing a stage downstream of it (:data:`STAGES` is the data flow);
- a private name (``_x``) imported from another subpackage, or a private module of one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "arclf"

#: The stages in data-flow order; a stage may import itself and any stage before it.
#: ``errors`` and ``util`` are the plumbing every stage uses.
STAGES = ["errors", "util", "config", "engine", "text", "corpus", "features", "models", "evaluation", "runs", "bundle",
          "prediction", "serve", "training", "tuning", "export", "cli"]


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path):
    """``(imported module, imported names, line)`` for every arclf import in one file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = _module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module == "arclf" or module.startswith("arclf."):
                yield module, [a.name for a in node.names], node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("arclf"):
                    yield alias.name, [], node.lineno


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _stage(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def _resolve(module: str, names: list[str]) -> list[str]:
    """The arclf modules an import statement loads: ``from arclf.x import y`` may name submodule ``y``."""
    out = [module] if module in MODULES else []
    out += [f"{module}.{n}" for n in names if f"{module}.{n}" in MODULES]
    return out or [module]


def _edges():
    for module, path in MODULES.items():
        for target, names, line in _imports(path):
            for dep in _resolve(target, names):
                yield module, dep, names, line


def test_the_stage_list_covers_every_subpackage():
    found = {_stage(m) for m in MODULES if _stage(m)}
    assert found <= set(STAGES), f"stages not in STAGES: {sorted(found - set(STAGES))}"
    assert len(MODULES) > 40  # the walk really saw the package


def test_stages_import_only_upstream_stages():
    bad = []
    for module, dep, _, line in _edges():
        a, b = _stage(module), _stage(dep)
        if a and b and STAGES.index(b) > STAGES.index(a):
            bad.append(f"{MODULES[module].relative_to(PACKAGE.parent)}:{line} ({a}) imports {dep} ({b}), a later stage")
    assert not bad, "\n".join(bad)


def test_no_private_names_or_modules_across_subpackages():
    bad = []
    for module, dep, names, line in _edges():
        if _stage(module) == _stage(dep) or dep == "arclf":
            continue
        private = [n for n in names if n.startswith("_") and n != "__version__"]
        private += [p for p in dep.split(".")[1:] if p.startswith("_") and p != "__init__"]
        if private:
            bad.append(f"{MODULES[module].relative_to(PACKAGE.parent)}:{line} takes {private} from {dep}")
    assert not bad, "\n".join(bad)


def test_no_import_cycles():
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for module, dep, _, _ in _edges():
        if dep in MODULES and dep != module and not dep == "arclf":
            graph[module].add(dep)
    # a package's __init__ importing its own modules is how re-exports work, not a cycle
    for module in list(graph):
        graph[module] = {d for d in graph[module] if not (MODULES[module].name == "__init__.py" and d.startswith(module + "."))}
    cycles, state, stack = [], {}, []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert not cycles, "\n".join(cycles)


@pytest.mark.parametrize("source, expect", [
    ("from arclf.training.trainer import _load\n", "takes ['_load']"),
    ("from arclf.features import kernels as k\nfrom arclf.features.kernels import _S33\n", "takes ['_S33']"),
])
def test_the_private_import_check_can_fail(tmp_path, monkeypatch, source, expect):
    """The check sees a planted violation (so a green run means something)."""
    fake = PACKAGE / "runs" / "_planted_for_test.py"
    monkeypatch.setitem(MODULES, "arclf.runs._planted_for_test", fake)
    monkeypatch.setattr(Path, "read_text", lambda self, **kw: source if self == fake else Path.read_bytes(self).decode())
    with pytest.raises(AssertionError, match=expect.replace("[", r"\[").replace("]", r"\]")):
        test_no_private_names_or_modules_across_subpackages()
