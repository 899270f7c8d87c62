"""Raw SQL lives in known places: ``didhub/core/db/`` and one ``sql.py`` per app.

Most of didhub reads and writes through the ORM. A hand-written statement is either a
shared helper (``didhub.core.db``: vendor, statements, IN lists, literals, COPY, locks)
or one app's statement over its own tables, in that app's ``sql.py``, where a reader
finds all of them and ``<app>/tests/test_sql.py`` runs them on both databases. Which
database is running is asked of ``didhub.core.db`` only (``is_postgresql``).

This test reads every module of ``didhub/`` (migrations and tests apart) and refuses,
outside those homes:

* a cursor (``.cursor()``) or a statement run on one (``.execute()``,
  ``.executemany()``);
* a test of the connection's vendor (``.vendor``);
* the text of a statement: a string (not a docstring) holding ``SELECT``, ``INSERT
  INTO``, ``UPDATE ... SET``, ``DELETE FROM``, ``COPY``, ``TRUNCATE``, DDL, ``EXPLAIN``
  or ``SET LOCAL``, in capitals as didhub writes SQL.

What must stay elsewhere is listed in ``ALLOWED`` with the reason; the test also fails
when a listed module no longer needs its place, so the list only shrinks.
"""

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "didhub"
RUN = {"cursor", "execute", "executemany"}
STATEMENT = re.compile(
    r"\b(SELECT|INSERT INTO|UPDATE\s+\S+\s+SET|DELETE FROM|COPY|TRUNCATE|ALTER TABLE|"
    r"CREATE (?:TEMPORARY |TEMP |UNIQUE |OR REPLACE )?(?:TABLE|INDEX|TRIGGER|FUNCTION)|"
    r"DROP (?:TABLE|INDEX|TRIGGER|FUNCTION|CONSTRAINT)|ANALYZE|EXPLAIN|SET LOCAL)\b"
)
ALLOWED = {
    "numbers/references.py": (
        "the PL/pgSQL of the numbers' set-based reference triggers: schema, installed by "
        "migration numbers/0006, which imports it from here; test_references.py holds it "
        "in step with the model's foreign keys"
    ),
}


def is_home(relative: Path) -> bool:
    return relative.parts[:2] == ("core", "db") or relative.name == "sql.py"


def docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def findings(source: str, name: str) -> list[str]:
    """What the rule refuses in one module's source: ``line: what`` each."""
    tree = ast.parse(source, name)
    skipped = docstrings(tree)
    texts: dict[int, str] = {}  # an f-string read whole, its values as {x}
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts = [v.value if isinstance(v, ast.Constant) else "{x}" for v in node.values]
            texts[id(node)] = "".join(map(str, parts))
            skipped |= {id(v) for v in node.values}
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in RUN
        ):
            found.append(f"{node.lineno}: .{node.func.attr}()")
        elif isinstance(node, ast.Attribute) and node.attr == "vendor":
            found.append(f"{node.lineno}: .vendor")
        elif id(node) not in skipped and (match := STATEMENT.search(statement_text(node, texts))):
            found.append(f"{node.lineno}: statement text ({match.group(0)})")
    return sorted(found, key=lambda item: int(item.split(":")[0]))


def statement_text(node: ast.AST, texts: dict[int, str]) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return texts.get(id(node), "")


def outside_homes() -> dict[str, list[str]]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if "tests" in relative.parts or "migrations" in relative.parts or is_home(relative):
            continue
        if where := findings(path.read_text(), str(path)):
            found[relative.as_posix()] = where
    return found


def test_raw_sql_only_in_core_db_and_the_apps_sql_modules():
    unexpected = {name: where for name, where in outside_homes().items() if name not in ALLOWED}
    assert not unexpected, f"raw SQL outside didhub/core/db and */sql.py: {unexpected}"


def test_the_allowed_modules_still_need_their_place():
    gone = set(ALLOWED) - set(outside_homes())
    assert not gone, f"no raw SQL left, remove from ALLOWED: {gone}"


def test_the_vendor_is_asked_of_core_db_only():
    """Even an app's sql.py asks ``didhub.core.db.is_postgresql``, not ``.vendor``."""
    found = {}
    for path in sorted(PACKAGE.rglob("sql.py")):
        relative = path.relative_to(PACKAGE)
        if "tests" in relative.parts or relative.parts[:2] == ("core", "db"):
            continue
        vendor = [f for f in findings(path.read_text(), str(path)) if f.endswith(".vendor")]
        if vendor:
            found[relative.as_posix()] = vendor
    assert not found, found


def test_the_rule_sees_each_kind_of_raw_sql():
    source = '''
def f(connection, table):
    """A docstring may say SELECT and DELETE FROM freely."""
    if connection.vendor == "sqlite":
        pass
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET a = 1")
        cursor.executemany("INSERT INTO t VALUES (%s)", [])
    label = "Select the numbers to export"
'''
    assert findings(source, "example.py") == [
        "4: .vendor",
        "6: .cursor()",
        "7: .execute()",
        "7: statement text (UPDATE {x} SET)",
        "8: .executemany()",
        "8: statement text (INSERT INTO)",
    ]
