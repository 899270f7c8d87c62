"""``/demo/``: the receiver of the demo's platform links (``didhub.demo.receiver``)."""

from django.urls import path

from didhub.demo import receiver

app_name = "demo"

urlpatterns = [
    path("platform/<slug:name>/", receiver.platform, name="platform"),
]
