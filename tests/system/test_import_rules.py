"""The import rules of the layout: customer_flow/lib imports neither app, and each
module of customers/importing imports only the modules before it in the order
written at the top of its __init__.py (reverting beside writing); so does each
module of customers/derived_tables."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings

import customers.derived_tables as derived_tables
import customers.importing as package

ROOT = Path(settings.BASE_DIR)
PACKAGE = "customers.importing"


def imported_modules(path: Path, *, runtime_only: bool = False) -> set[str]:
    """Every module ``path`` imports, as a dotted name (relative imports
    resolved), including imports inside functions; with ``runtime_only``,
    not those under ``if TYPE_CHECKING:``."""
    tree = ast.parse(path.read_text(), str(path))
    skipped: set[int] = set()
    if runtime_only:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                skipped |= {id(child) for child in ast.walk(node)}
    parts = path.relative_to(ROOT).with_suffix("").parts
    names: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package_parts = parts[: len(parts) - node.level]
                base = ".".join([*package_parts, *filter(None, [base])])
            names.add(base)
            # ``from customers.importing import writing`` imports a module too.
            names |= {f"{base}.{alias.name}" for alias in node.names}
    return names


def rank(module: str) -> int:
    """A module's place in the order; reverting shares writing's."""
    return package.ORDER.index(package.BESIDE.get(module, module))


def package_modules() -> list[str]:
    folder = ROOT / "customers" / "importing"
    return sorted(path.stem for path in folder.glob("*.py") if path.stem != "__init__")


def test_every_module_of_the_import_package_is_in_the_order():
    assert package_modules() == sorted(package.ORDER)


@pytest.mark.parametrize("module", package.ORDER)
def test_an_import_module_imports_only_the_modules_before_it(module):
    path = ROOT / "customers" / "importing" / f"{module}.py"
    imported = imported_modules(path)
    assert PACKAGE not in imported, "import the stage modules, not the package"
    for name in imported:
        if not name.startswith(f"{PACKAGE}."):
            continue
        other = name.split(".")[2]
        assert other in package.ORDER, name
        assert rank(other) < rank(module), f"{module} imports {other}"


@pytest.mark.parametrize("module", ["report", "revert_report", "reverting"])
def test_reports_and_reverting_do_not_load_pyarrow(module):
    path = ROOT / "customers" / "importing" / f"{module}.py"
    imported = imported_modules(path, runtime_only=True)
    assert not {name.split(".")[0] for name in imported} & {"pyarrow", "numpy"}


def test_the_package_re_exports_the_names_it_promises():
    init = ROOT / "customers" / "importing" / "__init__.py"
    typed = imported_modules(init) - {"__future__", "importlib", "typing"}
    promised = {
        f"{PACKAGE}.{module}.{name}"
        for module, names in package._PUBLIC.items()
        for name in names
    }
    assert {name for name in typed if name.count(".") == 3} == promised
    for name in package.__all__:
        assert getattr(package, name) is not None


@pytest.mark.parametrize(
    "path",
    sorted((ROOT / "customer_flow" / "lib").glob("*.py")),
    ids=lambda path: path.name,
)
def test_lib_imports_neither_app(path):
    for name in imported_modules(path):
        assert name.split(".")[0] not in {"customers", "tickets"}, name


def test_every_module_of_derived_tables_is_in_its_order():
    folder = ROOT / "customers" / "derived_tables"
    modules = sorted(path.stem for path in folder.glob("*.py"))
    assert modules == sorted([*derived_tables.ORDER, "__init__"])


@pytest.mark.parametrize("module", derived_tables.ORDER)
def test_a_derived_tables_module_imports_only_the_modules_before_it(module):
    prefix = "customers.derived_tables"
    imported = imported_modules(ROOT / "customers" / "derived_tables" / f"{module}.py")
    assert prefix not in imported, "import the modules, not the package"
    order = derived_tables.ORDER
    for name in imported:
        if name.startswith(f"{prefix}."):
            other = name.split(".")[2]
            assert order.index(other) < order.index(module), f"{module} imports {other}"
