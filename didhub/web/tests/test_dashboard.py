"""The dashboard's figures and charts, and the low-inventory warnings."""

import pytest
from django.urls import reverse

from didhub.web import charts
from didhub.web.views.dashboard import warnings_for

pytestmark = pytest.mark.django_db


def test_dashboard_shows_counts_stations_and_charts(client, tree, inventory):
    client.force_login(tree.acme_admin)
    content = client.get(reverse("web:dashboard")).content.decode()
    assert 'data-testid="owned">5<' in content
    assert 'data-testid="stations"' in content
    assert content.count("<svg viewBox") >= 3
    assert "Numbers by state" in content


def test_reseller_dashboard_shows_utilization_per_child(client, tree, inventory):
    client.force_login(tree.master_admin)
    content = client.get(reverse("web:dashboard")).content.decode()
    assert "Utilization per account below" in content
    assert "Sub Reseller: 5 assigned" not in content
    assert "Sub Reseller: 2 assigned, 3 available" in content


def test_low_inventory_and_stations_warnings():
    group = {"owned": 100, "available": 5, "assigned": 95}
    empty = {"owned": 0, "available": 0, "assigned": 0}
    inventory = {
        "numbers": {"all": group, "voice": group, "sms": empty, "fax": empty},
        "stations": {"purchased": 10, "in_use": 10, "available": 0},
    }
    warnings = warnings_for(inventory)
    assert "Only 5 of 100 voice numbers are available." in warnings
    assert any("All 10 purchased stations are in use" in w for w in warnings)


def test_charts_describe_their_figures_in_words():
    svg = str(charts.donut("By state", [("Available", 3), ("Assigned", 1)]))
    assert "<desc" in svg and "Available: 3; Assigned: 1" in svg
    bars = str(charts.bars("Caps", [("Voice <b>", 2)]))
    assert "&lt;b&gt;" in bars and "<b>" not in bars
