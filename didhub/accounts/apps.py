"""The account tree, users, roles and API tokens."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "didhub.accounts"
    label = "accounts"
    verbose_name = "Accounts"
