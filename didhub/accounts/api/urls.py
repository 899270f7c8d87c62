"""Accounts, users, tokens and the audit log under /api/v1/."""

from django.urls import path

from didhub.accounts.api import views
from didhub.accounts.api.events import EventListView

app_name = "accounts_api"

urlpatterns = [
    path("accounts/", views.AccountListView.as_view(), name="account_list"),
    path("accounts/<int:pk>/", views.AccountDetailView.as_view(), name="account_detail"),
    path("users/", views.UserListView.as_view(), name="user_list"),
    path("users/<int:pk>/", views.UserDetailView.as_view(), name="user_detail"),
    path("tokens/", views.TokenListView.as_view(), name="token_list"),
    path("tokens/<int:pk>/", views.TokenDetailView.as_view(), name="token_detail"),
    path("events/", EventListView.as_view(), name="event_list"),
]
