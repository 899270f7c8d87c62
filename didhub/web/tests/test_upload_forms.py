"""Each upload form, submitted with its own defaults and one required value, imports.

The form's fields, labels and defaults come from ``didhub.numbers.attributes``: a
default the upload would refuse (Voice ticked with no route) or a field the import does
not know (``cac`` for the ``cac_limit`` column) cannot come back.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from didhub.imports.models import Import
from didhub.numbers.models import Number

pytestmark = pytest.mark.django_db


def form_defaults(client) -> dict:
    """What a browser sends for the Upload form as it is shown: every initial value."""
    page = client.get(reverse("web:upload"))
    assert page.status_code == 200
    form = page.context["form"]
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if name == "file" or value is None:
            continue
        if field.widget.input_type == "checkbox":
            if value:
                data[name] = "on"
        else:
            data[name] = value
    return data


def submit_and_commit(client, data) -> Import:
    """POST the form, read the preview, press Submit: the journey of a person."""
    response = client.post(reverse("web:upload"), data)
    assert response.status_code == 302, response.context["form"].errors
    run = Import.objects.latest("pk")
    preview = client.get(response["Location"]).content.decode()
    assert 'data-testid="valid-count">1<' in preview or run.valid > 1, preview
    assert run.invalid == 0, list(run.row_errors.values_list("message", flat=True))
    done = client.post(reverse("web:import_commit", args=[run.pk]), follow=True)
    assert done.status_code == 200
    run.refresh_from_db()
    assert run.state == "done"
    return run


def test_single_number_with_the_forms_defaults_is_imported(client, tree):
    client.force_login(tree.master_admin)
    data = form_defaults(client)
    data.update(mode="single", number="+16465550120", account=tree.master.pk)
    run = submit_and_commit(client, data)
    assert run.committed == 1
    number = Number.objects.get(e164="+16465550120")
    assert (number.voice, number.route, number.usage, number.cac_limit) == (False, "", "user", 2)


def test_range_with_the_forms_defaults_is_imported(client, tree):
    client.force_login(tree.master_admin)
    data = form_defaults(client)
    data.update(
        mode="range", range_start="+16465550120", range_end="+16465550124", account=tree.master.pk
    )
    run = submit_and_commit(client, data)
    assert run.committed == 5
    assert Number.objects.filter(owner=tree.master).count() == 5


def test_file_with_the_forms_defaults_is_imported(client, tree):
    client.force_login(tree.master_admin)
    data = form_defaults(client)
    data.update(
        mode="file",
        account=tree.master.pk,
        file=SimpleUploadedFile("one.csv", b"Phone Number\n+16465550120\n", "text/csv"),
    )
    run = submit_and_commit(client, data)
    assert run.committed == 1


def test_a_cac_value_reaches_the_number(client, tree):
    # The form used to send ``cac``: every CAC failed with "No column default for cac".
    client.force_login(tree.master_admin)
    data = form_defaults(client)
    data.update(
        mode="single",
        number="+16465550120",
        account=tree.master.pk,
        voice="on",
        route="operator_connect",
        usage="contact_center",
        cac_limit="12",
    )
    submit_and_commit(client, data)
    number = Number.objects.get(e164="+16465550120")
    assert (number.voice, number.route, number.usage, number.cac_limit) == (
        True,
        "operator_connect",
        "contact_center",
        12,
    )


def test_voice_without_a_route_is_said_beside_the_route_field(client, tree):
    client.force_login(tree.master_admin)
    data = form_defaults(client)
    data.update(mode="single", number="+16465550120", account=tree.master.pk, voice="on")
    response = client.post(reverse("web:upload"), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["route"] == [
        "Voice is TRUE: Voice Route Type must say Direct Routing, External Trunk or "
        "Operator Connect."
    ]
    assert not Import.objects.exists()


def test_the_form_offers_the_attribute_columns_by_their_keys(client, tree):
    client.force_login(tree.master_admin)
    page = client.get(reverse("web:upload")).content.decode()
    for name in ("voice", "sms", "fax", "route", "usage", "cac_limit"):
        assert f'name="{name}"' in page
    assert 'name="cac"' not in page
