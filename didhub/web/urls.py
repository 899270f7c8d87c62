"""The portal's pages. Number URLs carry the E.164 text: ``/numbers/+12125550100/``."""

from django.contrib.auth import views as auth_views
from django.urls import path

from didhub.web.forms import LoginForm
from didhub.web.views import (
    accounts,
    bulk,
    catalog,
    dashboard,
    events,
    links,
    blocks,
    number_detail,
    numbers,
    pickers,
    point_in_time,
    released,
    targets,
    upload,
)

app_name = "web"

number = "numbers/<str:e164>/"

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="web/registration/login.html",
            authentication_form=LoginForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(next_page="web:login"), name="logout"),
    path("password/", accounts.PasswordChange.as_view(), name="password_change"),
    path("password/done/", accounts.password_changed, name="password_changed"),
    path("", dashboard.dashboard, name="dashboard"),
    path("numbers/", numbers.number_list, name="number_list"),
    path("numbers/bulk/", bulk.number_bulk, name="number_bulk"),
    path("numbers/export/", bulk.number_export_selection, name="number_export_selection"),
    path("numbers/columns/", numbers.number_columns, name="number_columns"),
    path("numbers/at/", point_in_time.number_at, name="number_at"),
    path("blocks/", blocks.block_list, name="block_list"),
    path("blocks/<int:pk>/", blocks.block_detail, name="block_detail"),
    path("blocks/<int:pk>/delete/", blocks.block_delete, name="block_delete"),
    path("pick/accounts/", pickers.pick_accounts, name="pick_accounts"),
    path("pick/carriers/", pickers.pick_carriers, name="pick_carriers"),
    path(number, number_detail.number_detail, name="number_detail"),
    path(number + "assign/", number_detail.number_assign, name="number_assign"),
    path(number + "delegate/", number_detail.number_delegate, name="number_delegate"),
    path(number + "reclaim/", number_detail.number_reclaim, name="number_reclaim"),
    path(number + "unassign/", number_detail.number_unassign, name="number_unassign"),
    path(number + "reserve/", number_detail.number_reserve, name="number_reserve"),
    path(number + "unreserve/", number_detail.number_unreserve, name="number_unreserve"),
    path(number + "release/", number_detail.number_release, name="number_release"),
    path(number + "restore/", released.number_restore, name="number_restore"),
    path(number + "history/", released.number_history, name="number_history"),
    path(number + "edit/", number_detail.number_edit, name="number_edit"),
    path(number + "delete/", number_detail.number_delete, name="number_delete"),
    path(
        number + "port/complete/", number_detail.number_port_complete, name="number_port_complete"
    ),
    path(number + "port/cancel/", number_detail.number_port_cancel, name="number_port_cancel"),
    path("upload/", upload.upload, name="upload"),
    path("imports/", upload.import_list, name="import_list"),
    path("imports/<int:pk>/", upload.import_detail, name="import_detail"),
    path("imports/<int:pk>/commit/", upload.import_commit, name="import_commit"),
    path("accounts/", accounts.account_list, name="account_list"),
    path("accounts/add/", accounts.account_create, name="account_create"),
    path("accounts/<int:pk>/", accounts.account_edit, name="account_edit"),
    path("accounts/<int:pk>/delete/", accounts.account_delete, name="account_delete"),
    path(
        "accounts/<int:pk>/deactivate/", accounts.account_deactivate, name="account_deactivate"
    ),
    path(
        "accounts/<int:pk>/reactivate/", accounts.account_reactivate, name="account_reactivate"
    ),
    path("users/", accounts.user_list, name="user_list"),
    path("users/<int:pk>/deactivate/", accounts.user_deactivate, name="user_deactivate"),
    path("users/<int:pk>/reactivate/", accounts.user_reactivate, name="user_reactivate"),
    path("switch/", accounts.account_switch, name="account_switch"),
    path("switch/<int:pk>/", accounts.account_switch_open, name="account_open"),
    path("switch/back/", accounts.account_switch_close, name="account_close"),
    path("targets/", targets.target_list, name="target_list"),
    path("targets/add/", targets.target_create, name="target_create"),
    path("targets/<int:pk>/", targets.target_detail, name="target_detail"),
    path("targets/<int:pk>/edit/", targets.target_edit, name="target_edit"),
    path("targets/<int:pk>/numbers/", targets.target_numbers, name="target_numbers"),
    path("targets/<int:pk>/delete/", targets.target_delete, name="target_delete"),
    path("links/", links.link_list, name="link_list"),
    path("links/add/", links.link_create, name="link_create"),
    path("links/<int:pk>/", links.link_detail, name="link_detail"),
    path("links/<int:pk>/edit/", links.link_edit, name="link_edit"),
    path("links/<int:pk>/disable/", links.link_disable, name="link_disable"),
    path("links/<int:pk>/consent-link/", links.link_consent_link, name="link_consent_link"),
    path("links/<int:pk>/consent/", links.link_consent, name="link_consent"),
    path("links/<int:pk>/resync/", links.link_resync, name="link_resync"),
    path("links/<int:pk>/replay/", links.link_replay, name="link_replay"),
    path(
        "links/<int:pk>/messages/<int:mid>/replay/",
        links.link_message_replay,
        name="link_message_replay",
    ),
    path("catalog/", catalog.catalog, name="catalog"),
    path("catalog/<slug:slug>/add/", catalog.catalog_create, name="catalog_create"),
    path("catalog/<slug:slug>/<int:pk>/", catalog.catalog_edit, name="catalog_edit"),
    path("catalog/<slug:slug>/<int:pk>/delete/", catalog.catalog_delete, name="catalog_delete"),
    path("audit/", events.event_list, name="event_list"),
    path("tokens/", events.token_list, name="token_list"),
    path("tokens/<int:pk>/revoke/", events.token_revoke, name="token_revoke"),
]
