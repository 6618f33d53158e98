"""Code versions for rerun detection, derived from what a rule's script imports.

Snakemake notices edits to a rule's script but not to the library the script imports. Each
rule therefore carries in ``params`` the hash of every ``rnn_dynamics`` module its script
reaches through imports (read statically from the source, so imports inside functions count
too), so that editing any code a stage runs reruns that stage and what depends on it, and
nothing else. No list of modules is kept by hand: a new import is picked up by itself.
"""

from __future__ import annotations

import ast
import hashlib
from functools import cache
from pathlib import Path

PACKAGE = "rnn_dynamics"
PACKAGE_ROOT = Path(__file__).resolve().parent


def _module_file(name: str, root: Path) -> Path | None:
    """The source file of ``rnn_dynamics.x.y`` under ``root`` (the package folder), if any."""
    parts = name.split(".")[1:]
    base = root.joinpath(*parts)
    for candidate in (base.with_suffix(".py") if parts else None, base / "__init__.py"):
        if candidate is not None and candidate.is_file():
            return candidate
    return None


def _is_package(name: str, root: Path) -> bool:
    return (root.joinpath(*name.split(".")[1:]) / "__init__.py").is_file()


def _imported(tree: ast.AST, name: str, is_package: bool, root: Path) -> set[str]:
    """Package modules one module's source imports (absolute and relative), each the module
    whose code is used: ``from a import b`` means module ``a.b`` where that is a module, else
    (a name defined in or re-exported by ``a``) the package ``a`` itself."""
    package = name if is_package else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if _module_file(sub, root) is not None else base)
    return {n for n in found if n == PACKAGE or n.startswith(PACKAGE + ".")}


def imported_modules(source: str, name: str = "__script__", root: Path = PACKAGE_ROOT,
                     is_package: bool = False) -> dict[str, Path]:
    """Every package module whose code ``source`` can run through imports, with its file.

    An imported module's own imports are followed. Importing ``a.b.c`` also runs the
    ``__init__`` of ``a`` and ``a.b``: their source counts, but what they import in turn (the
    re-exports of the package's other modules) is followed only where a name is taken from the
    package itself. So a stage that uses ``analysis.states`` does not depend on
    ``analysis.geometry`` just because both live in ``analysis/``.
    """
    seen: dict[str, Path] = {}
    followed: set[str] = set()
    todo = list(_imported(ast.parse(source), name, is_package, root))
    while todo:
        module = todo.pop()
        if module in followed:
            continue
        path = _module_file(module, root)
        if path is None:
            continue
        followed.add(module)
        seen[module] = path
        parts = module.split(".")
        for i in range(1, len(parts)):                    # parent packages: their file only
            parent = ".".join(parts[:i])
            parent_path = _module_file(parent, root)
            if parent_path is not None:
                seen.setdefault(parent, parent_path)
        todo.extend(_imported(ast.parse(path.read_text()), module, _is_package(module, root),
                              root))
    return seen


def hash_files(files: dict[str, Path]) -> str:
    """Short sha256 over module names and sources, in name order (order-independent input)."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name].read_bytes() + b"\0")
    return digest.hexdigest()[:12]


@cache
def script_code_hash(script: str | Path, root: Path = PACKAGE_ROOT) -> str:
    """Hash of the library code a workflow script runs: every module it reaches by imports."""
    return hash_files(imported_modules(Path(script).read_text(), root=root))

