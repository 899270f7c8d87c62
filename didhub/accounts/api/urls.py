"""Accounts and tokens under /api/v1/."""

from django.urls import path

from didhub.accounts.api import views

app_name = "accounts_api"

urlpatterns = [
    path("accounts/", views.AccountListView.as_view(), name="account_list"),
    path("accounts/<int:pk>/", views.AccountDetailView.as_view(), name="account_detail"),
    path(
        "accounts/<int:pk>/inventory/",
        views.AccountInventoryView.as_view(),
        name="account_inventory",
    ),
    path("tokens/", views.TokenListView.as_view(), name="token_list"),
    path("tokens/<int:pk>/", views.TokenDetailView.as_view(), name="token_detail"),
]
