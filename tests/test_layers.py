"""The package's shape holds: imports go downwards only (chain < domain < run < read < show < the wiring on top),
no two modules import each other even indirectly, the engine knows no contract wrapper and no summary, and no
Python module is over 800 lines. Read from the source with `ast`, every import counted (also those inside
functions and under TYPE_CHECKING)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import ecny_sim

ROOT = Path(__file__).resolve().parents[1]
#: Source folder -> the package it is installed as (pyproject.toml's package-dir).
SOURCES = {"simulator": "ecny_sim", "cli": "ecny_sim.cli", "scenarios": "ecny_sim.scenarios"}
#: Lowest first. A module may import its own layer and those below; the top ones may import everything below.
LAYERS = ["ecny_sim.chain", "ecny_sim.domain", "ecny_sim.run", "ecny_sim.read", "ecny_sim.show", "ecny_sim",
          "ecny_sim.cli", "ecny_sim.scenarios"]
#: Subpackages on top beside pilot, wiring the layers for a purpose of their own (study: Dask; web: the live page).
ON_TOP = ("ecny_sim.study", "ecny_sim.web", "ecny_sim.conformance")
#: For the package's modules; test files (tests/) may be longer: a contract's tests read best in one file.
MAX_LINES = 800
#: The contract wrappers the engine must not know: they register with it (World protocol, pilot.open_world).
WRAPPERS = ("deployment", "token", "prepaid", "term", "redpacket", "grants", "conditional", "wages")


def _modules() -> dict[str, Path]:
    found = {}
    for folder, package in SOURCES.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = list(path.relative_to(ROOT / folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join([package, *parts])] = path
    return found


MODULES = _modules()


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def _imports(name: str) -> set[str]:
    """The ecny_sim modules `name` imports, resolved (a `from pkg import sub` names the submodule)."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    package = name if _is_package(name) else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            targets = [module] + [f"{module}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != name and target.startswith("ecny_sim"):
                found.add(target)
    return found


GRAPH = {name: _imports(name) for name in MODULES}


def layer_of(name: str) -> int:
    """Index in LAYERS of the deepest layer `name` belongs to."""
    best = -1
    for i, layer in enumerate(LAYERS):
        if name == layer or name.startswith(layer + "."):
            if best == -1 or len(layer) > len(LAYERS[best]):
                best = i
    return best


def test_every_module_belongs_to_a_layer():
    assert all(layer_of(m) >= 0 for m in MODULES)
    top_level = sorted(m for m in MODULES if layer_of(m) == LAYERS.index("ecny_sim") and not m.startswith(ON_TOP))
    assert top_level == ["ecny_sim", "ecny_sim._moved", "ecny_sim.pilot"], \
        f"a module outside the layers: {top_level}; put it in chain, domain, run, read or show"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_go_downwards_only(name):
    upward = sorted(t for t in GRAPH[name] if layer_of(t) > layer_of(name))
    assert not upward, f"{name} ({LAYERS[layer_of(name)]}) imports a layer above it: {upward}"


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    return found


def test_no_modules_import_each_other_in_a_circle():
    assert _cycles() == []


def test_the_cycle_finder_finds_a_circle():
    GRAPH["ecny_sim.chain.clock"].add("ecny_sim.chain.chain")
    try:
        assert ["ecny_sim.chain.chain", "ecny_sim.chain.clock"] in _cycles()
    finally:
        GRAPH["ecny_sim.chain.clock"].discard("ecny_sim.chain.chain")


def _reach(name: str) -> set[str]:
    """Every module `name` imports, directly or through others."""
    seen, todo = set(), [name]
    while todo:
        for target in GRAPH[todo.pop()]:
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_the_engine_knows_no_wrapper_and_no_summary():
    known = sorted(t for t in _reach("ecny_sim.run.engine") if t.startswith(("ecny_sim.read", "ecny_sim.show"))
                   or t.rpartition(".")[2] in WRAPPERS)
    assert known == []


def test_the_reach_check_sees_an_indirect_import():
    GRAPH["ecny_sim.domain.explain"].add("ecny_sim.domain.prepaid")
    try:
        assert "ecny_sim.domain.prepaid" in _reach("ecny_sim.run.engine")
    finally:
        GRAPH["ecny_sim.domain.explain"].discard("ecny_sim.domain.prepaid")


#: Modules that import by a name given at run time, and why.
DYNAMIC_IMPORTS = {
    "ecny_sim": "the lazy public names (_PUBLIC) and the old paths (_moved)",
    "ecny_sim._moved": "aliases old module paths to the new ones",
    "ecny_sim.chain": "its lazy names, all in the chain layer",
    "ecny_sim.chain.backend": "opens the backend a caller names (pyevm, anvil), each in the chain layer",
    "ecny_sim.run.scenario": "loads scenario scripts: ecny_sim.scenarios.* and users' files",
}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_hides_an_import_in_a_string(name):
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    dynamic = [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Call)
               and getattr(node.func, "attr", getattr(node.func, "id", None)) in ("import_module", "__import__")]
    assert not dynamic or name in DYNAMIC_IMPORTS, \
        f"{name} imports by a string at lines {dynamic}: the layer check cannot see it"


def test_the_chain_knows_no_domain():
    chain = [m for m in MODULES if layer_of(m) == 0]
    assert chain and all(layer_of(t) == 0 for m in chain for t in GRAPH[m])


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_is_over_800_lines(name):
    lines = len(MODULES[name].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{MODULES[name].relative_to(ROOT)} has {lines} lines; split it by job"


@pytest.mark.parametrize("layer", ["chain", "domain", "run", "read", "show"])
def test_each_layer_says_what_it_is_for_and_what_it_may_import(layer):
    doc = ast.get_docstring(ast.parse((ROOT / "simulator" / layer / "__init__.py").read_text(encoding="utf-8")))
    assert doc and "import" in doc, f"ecny_sim.{layer} has no docstring saying what it may import"


def test_scenario_authors_have_one_import_place():
    for name in ("ScenarioParams", "open_term", "PrepaidRules", "Campaign", "DAY", "fmt_fen", "GrantProgramme",
                 "WageContract", "ConditionalPayments", "run_scenario"):
        assert getattr(ecny_sim, name) is not None
    builtin = [m for m in MODULES if m.startswith("ecny_sim.scenarios.") and not _is_package(m)]
    assert builtin
    for name in builtin:
        deep = sorted(t for t in GRAPH[name] if t != "ecny_sim")
        assert not deep, f"{name} imports {deep}; scenarios import from `ecny_sim` only"


def test_the_architecture_map_names_only_paths_that_exist():
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    paths = set(re.findall(r"`((?:[a-z_]+/)+[a-z_]*(?:\.py)?)`", text))
    paths |= set(re.findall(r"(?<![\w/])((?:chain|domain|run|read|show|cli|scenarios|tests)/[a-z_/]+\.py)\b", text))
    assert len(paths) > 10
    missing = [p for p in sorted(paths) if not any((base / p).exists() for base in (ROOT, ROOT / "simulator"))
               and not p.startswith("ecny_sim/")]
    assert missing == []


def test_the_tools_name_only_repository_files_that_exist():
    # make prove-fast and make audit run shell wrappers and configs that name files by path; a module moved into
    # a layer must not leave them pointing at its old place (CI's prove step once failed on exactly that).
    sources = [ROOT / name for name in ("Makefile", "foundry.toml", "package.json", ".ci/run")]
    sources += [p for p in (ROOT / "tools").rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    folders = "simulator|tools|tests|contracts|benchmarks|scenarios"
    pattern = re.compile(rf"(?<![\w/.-])((?:{folders})/[\w./-]*\.(?:js|py|sol|toml|txt|json))\b")
    named = {(src.relative_to(ROOT).as_posix(), m) for src in sources
             for m in pattern.findall(src.read_text(encoding="utf-8", errors="replace"))}
    assert any("solc_npm.js" in path for _, path in named)
    missing = sorted((src, path) for src, path in named if not (ROOT / path).exists())
    assert missing == []
