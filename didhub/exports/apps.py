"""Streaming CSV, XLSX and PDF exports."""

from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "didhub.exports"
    label = "exports"
    verbose_name = "Exports"
