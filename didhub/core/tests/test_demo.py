from django.core.management import call_command

from didhub.accounts.choices import AccountKind, Role
from didhub.accounts.models import Account, User
from didhub.core.demo import load_demo
from didhub.numbers.choices import NumberState, TargetKind
from didhub.numbers.models import Number, Target


def test_demo_has_the_shape_of_a_real_inventory(db):
    passwords = load_demo(log=lambda _: None, scale=0.05)

    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    assert len(passwords) == User.objects.count()
    sub = Account.objects.get(name="Blue Harbor Networks")
    assert sub.parent.kind == AccountKind.RESELLER
    assert Account.objects.filter(kind=AccountKind.ENTERPRISE).count() >= 4
    assert set(Target.objects.values_list("kind", flat=True)) == set(TargetKind.values)
    states = set(Number.objects.values_list("state", flat=True))
    assert states == set(NumberState.values)
    assert Number.objects.values("country_code").distinct().count() >= 10


def test_demo_runs_once_and_then_only_renews_passwords(db):
    first = load_demo(log=lambda _: None, scale=0.02)
    count = Number.objects.count()
    second = load_demo(log=lambda _: None, scale=0.02)
    assert Number.objects.count() == count
    assert first.keys() == second.keys()
    assert all(first[email] != second[email] for email in first)
    user = User.objects.get(email="admin@contoso.example")
    assert user.check_password(second["admin@contoso.example"])


def test_demo_command_prints_the_logins(db, capsys, monkeypatch):
    monkeypatch.setattr("didhub.core.demo.PLANS", [])
    call_command("demo")
    out = capsys.readouterr().out
    assert "admin@northwind.example" in out
    assert "Log in with" in out
