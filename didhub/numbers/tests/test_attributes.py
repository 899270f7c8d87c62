"""Number attributes have one home: ``didhub.numbers.attributes``.

Copies of these rules drifted before (the upload form's CAC field named ``cac`` where
the column is ``cac_limit``, a Voice default that no route could follow, a range limit
that its setting did not reach). These tests hold the readers to the one module: the
source tree holds no second copy of a limit, and every reader's keys, choices and
limits are the module's.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings

from didhub.imports.columns import COLUMNS
from didhub.imports.services import DEFAULTABLE
from didhub.imports.validation import ATTRIBUTE_KEYS
from didhub.numbers import attributes
from didhub.numbers.api.serializers import NumberUpdateSerializer
from didhub.numbers.choices import Route, SyncState, Usage
from didhub.numbers.models import Block, Number
from didhub.web.forms import NumberEditForm

PACKAGE = Path(__file__).resolve().parents[2]

# A limit written again beside the attribute it limits, as code would copy it.
COPIES = {
    "the CAC maximum": re.compile(r"\b32[_,]?767\b"),
    "the range limit": re.compile(
        r"\b100[_,]?000\b[^\n]*\b(ranges?|blocks?|range end)\b"
        r"|\b(ranges?|blocks?|range end)\b[^\n]*\b100[_,]?000\b"
        r"|\b100[_,]?000 numbers\b",
        re.IGNORECASE,
    ),
    "the fixed CAC of usage User": re.compile(r"\bcac\w*\s*(==|!=|=)\s*2\b", re.IGNORECASE),
    **{
        f"the length of {key}": re.compile(rf"\b{key}\b[^\n]*max_length=\d")
        for key in attributes.TEXT_LIMITS
    },
}


def source_files():
    for path in sorted(PACKAGE.rglob("*")):
        if path.suffix not in (".py", ".html") or path.name == "attributes.py":
            continue
        parts = set(path.relative_to(PACKAGE).parts)
        if parts & {"tests", "migrations", "__pycache__"}:
            continue
        yield path


def test_no_second_copy_of_an_attribute_limit_in_the_tree():
    found = []
    for path in source_files():
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            for rule, pattern in COPIES.items():
                if pattern.search(line):
                    found.append(f"{path.relative_to(PACKAGE.parent)}:{number}: {rule}")
    assert found == [], "read these from didhub.numbers.attributes:\n" + "\n".join(found)


def test_the_copy_finder_finds_copies():
    # The test above can fail: each pattern catches the copies that once were there.
    copies = {
        "the CAC maximum": "cac_limit = serializers.IntegerField(max_value=32767)",
        "the range limit": 'help_text="Same length; at most 100,000 numbers."',
        "the fixed CAC of usage User": 'condition=~Q(usage="user") | Q(cac_limit=2)',
        "the length of tags": "tags = models.CharField(max_length=500, blank=True)",
    }
    for rule, line in copies.items():
        assert COPIES[rule].search(line), rule


def test_the_attribute_columns_are_the_attributes():
    keys = [column.key for column in COLUMNS]
    assert keys == ["country_code", "phone_number", *attributes.KEYS, "range_end"]
    for column in COLUMNS[2:-1]:
        attribute = attributes.BY_KEY[column.key]
        assert (column.header, column.aliases) == (attribute.label, attribute.aliases)
    assert set(attributes.KEYS) == ATTRIBUTE_KEYS
    assert {"country_code", *attributes.KEYS} == DEFAULTABLE


def test_the_defaults_break_no_rule():
    # What a form shows as defaults must be a number the upload accepts.
    assert attributes.problems(attributes.DEFAULTS) == []
    assert attributes.problems({key: attributes.DEFAULTS[key] for key in attributes.CHECKED}) == []


def test_django_choices_and_the_model_read_the_attributes():
    assert Route.choices == list(attributes.ROUTES)
    assert Usage.choices == list(attributes.USAGES)
    assert SyncState.choices == list(attributes.SYNC_STATES)
    fields = {field.name: field for field in Number._meta.get_fields()}
    for key, limit in attributes.TEXT_LIMITS.items():
        if key in fields and key != "calling_profile":
            assert fields[key].max_length == limit, key
    for key in (*attributes.FLAGS, "usage", "cac_limit"):
        assert fields[key].default == attributes.DEFAULTS[key], key
    sizes = next(c for c in Block._meta.constraints if c.name == "block_size_bounds")
    assert ("size__lte", attributes.MAX_RANGE) in sizes.condition.children


def test_the_api_serializer_and_the_portal_form_read_the_attributes():
    api = NumberUpdateSerializer().fields
    assert list(api["usage"].choices) == [value for value, _ in attributes.USAGES]
    assert api["cac_limit"].max_value == attributes.MAX_CAC
    assert api["sip_connection"].max_length == attributes.TEXT_LIMITS["sip_connection"]
    form = NumberEditForm.base_fields
    assert form["cac_limit"].max_value == attributes.MAX_CAC
    assert form["service_info"].max_length == attributes.TEXT_LIMITS["service_info"]
    assert form["route"].label == attributes.BY_KEY["route"].label


def test_the_range_setting_defaults_to_the_ceiling():
    assert settings.DIDHUB_MAX_RANGE == attributes.MAX_RANGE


@pytest.mark.parametrize(
    ("values", "codes"),
    [
        ({"voice": True}, ["voice_without_route"]),
        ({"route": "direct_routing"}, ["route_without_voice"]),
        ({"voice": True, "route": "teams"}, ["bad_route"]),
        ({"usage": "user", "cac_limit": 5}, ["user_cac_fixed"]),
        ({"usage": "service", "cac_limit": 0}, ["bad_cac"]),
        ({"usage": "staff"}, ["bad_usage"]),
        ({"voice": "yes"}, ["bad_boolean"]),
        ({"sip_connection": "x" * 201}, ["too_long"]),
        ({"usage": "service", "cac_limit": 32767, "voice": True, "route": "external_trunk"}, []),
    ],
)
def test_the_rules_between_attributes(values, codes):
    assert [problem.code for problem in attributes.problems(values)] == codes
