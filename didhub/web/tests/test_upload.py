"""Upload: the form, the preview of valid and invalid rows, Submit, the result."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from didhub.imports.models import Import
from didhub.numbers.models import Number

pytestmark = pytest.mark.django_db

CSV = (
    "Country Code,Phone Number,Voice,SMS,Fax,Voice Route Type\n"
    "1,212 555 0200,TRUE,TRUE,FALSE,Direct Routing\n"
    "1,(212) 555-0201,TRUE,FALSE,FALSE,Direct Routing\n"
    "1,123,TRUE,FALSE,FALSE,Direct Routing\n"
)


def upload(client, tree, **fields):
    data = {
        "mode": "file",
        "file": SimpleUploadedFile("numbers.csv", CSV.encode(), content_type="text/csv"),
        "account": tree.master.pk,
        "voice_carrier": "later",
        "sms_profile": "later",
    }
    data.update(fields)
    return client.post(reverse("web:upload"), data)


def test_upload_previews_then_submits(client, tree):
    client.force_login(tree.master_admin)
    response = upload(client, tree)
    run = Import.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("web:import_detail", args=[run.pk])
    preview = client.get(response["Location"])
    content = preview.content.decode()
    assert 'data-testid="valid-count">2<' in content
    assert 'data-testid="invalid-count">1<' in content
    assert "123" in content
    assert not Number.objects.filter(e164="+12125550200").exists()
    done = client.post(reverse("web:import_commit", args=[run.pk]), follow=True)
    assert "2 numbers are imported" in done.content.decode()
    assert Number.objects.filter(owner=tree.master).count() == 2
