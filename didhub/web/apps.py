"""The server-rendered portal."""

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "didhub.web"
    label = "web"
    verbose_name = "Portal"
