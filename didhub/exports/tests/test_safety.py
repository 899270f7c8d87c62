import pytest
from django.conf import settings
from django.db import connection

from didhub.exports.naming import describe, export_filename
from didhub.exports.safety import neutralize
from didhub.exports.sql import neutralize_sql

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
NEUTRALIZED = [
    ('=HYPERLINK("http://evil.test","x")', '\'=HYPERLINK("http://evil.test","x")'),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("-1+1", "'-1+1"),
    ("+1 (212) 555", "'+1 (212) 555"),
    ("+1+1", "'+1+1"),
    ("+", "'+"),
    ("\tcmd", "'\tcmd"),
    ("\rcmd", "'\rcmd"),
    # E.164 numbers are data and stay exactly as they are.
    ("+12125550100", "+12125550100"),
    ("+442071838750", "+442071838750"),
    # Only ASCII digits, up to the very end.
    ("+12125550100\n", "'+12125550100\n"),
    ("+\u0661\u0662", "'+\u0661\u0662"),
    # Harmless text is untouched, also when a formula character comes later.
    ("Alice", "Alice"),
    ("a=b", "a=b"),
    ("", ""),
]


@pytest.mark.parametrize(("text", "expected"), NEUTRALIZED)
def test_neutralize(text, expected):
    assert neutralize(text) == expected


@pytest.mark.postgres_only
@pytest.mark.skipif(not ON_POSTGRES, reason="the SQL rule runs on PostgreSQL")
@pytest.mark.django_db
@pytest.mark.parametrize(("text", "expected"), [*NEUTRALIZED, (None, None)])
def test_neutralize_sql_is_the_same_rule(text, expected):
    expression, params = neutralize_sql("v")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {expression} FROM (SELECT %s::text AS v) t", [*params, text])
        assert cursor.fetchone()[0] == expected


@pytest.mark.parametrize(
    ("requested", "extension", "expected"),
    [
        (None, ".csv", "PhoneNumbers.csv"),
        ("", ".xlsx", "PhoneNumbers.xlsx"),
        ("Acme numbers", ".csv", "Acme numbers.csv"),
        ("report.pdf", ".pdf", "report.pdf"),
        ("report.PDF", ".pdf", "report.pdf"),
        ("../../etc/passwd", ".csv", "passwd.csv"),
        ("C:\\Users\\x\\evil.csv", ".csv", "evil.csv"),
        ('a"; filename="b.exe', ".csv", "a_ filename_b.exe.csv"),
        ("../", ".csv", "PhoneNumbers.csv"),
        ("x" * 300, ".csv", "x" * 96 + ".csv"),
    ],
)
def test_export_filename(requested, extension, expected):
    assert export_filename(requested, extension) == expected


def test_describe_says_what_the_export_holds():
    assert describe({}, viewer="Acme Corp") == "All numbers visible to Acme Corp"
    assert describe({"state": "available", "filename": "x"}) == (
        "Numbers matching filter state = available"
    )
    selected = [f"+1212555010{i}" for i in range(7)]
    assert describe({}, selected) == (
        "Numbers matching the selected numbers +12125550100, +12125550101, +12125550102, "
        "+12125550103, +12125550104 and 2 more"
    )
