"""Numbers, targets, carriers and profiles under /api/v1/.

``numbers/bulk/`` and ``numbers/at/`` come before ``numbers/<e164>/``; exports
(``numbers/export.csv`` ...) are routed before this file.
"""

from django.urls import path

from didhub.numbers.api import accounts, catalog, views

app_name = "numbers_api"

urlpatterns = [
    path("numbers/", views.NumberListView.as_view(), name="number_list"),
    path("numbers/bulk/", views.NumberBulkView.as_view(), name="number_bulk"),
    path("numbers/at/", views.NumberAtView.as_view(), name="number_at"),
    path("numbers/<str:e164>/", views.NumberDetailView.as_view(), name="number_detail"),
    path("numbers/<str:e164>/assign/", views.NumberAssignView.as_view(), name="number_assign"),
    path(
        "numbers/<str:e164>/unassign/", views.NumberUnassignView.as_view(), name="number_unassign"
    ),
    path("numbers/<str:e164>/release/", views.NumberReleaseView.as_view(), name="number_release"),
    path("numbers/<str:e164>/reserve/", views.NumberReserveView.as_view(), name="number_reserve"),
    path(
        "numbers/<str:e164>/port/complete/",
        views.NumberPortCompleteView.as_view(),
        name="number_port_complete",
    ),
    path(
        "numbers/<str:e164>/port/cancel/",
        views.NumberPortCancelView.as_view(),
        name="number_port_cancel",
    ),
    path("numbers/<str:e164>/history/", views.NumberHistoryView.as_view(), name="number_history"),
    path(
        "accounts/<int:pk>/inventory/",
        accounts.AccountInventoryView.as_view(),
        name="account_inventory",
    ),
    path("targets/", catalog.TargetListView.as_view(), name="target_list"),
    path("targets/<int:pk>/", catalog.TargetDetailView.as_view(), name="target_detail"),
    path("carriers/", catalog.CarrierListView.as_view(), name="carrier_list"),
    path("carriers/<int:pk>/", catalog.CarrierDetailView.as_view(), name="carrier_detail"),
    path("sms-profiles/", catalog.SmsProfileListView.as_view(), name="sms_profile_list"),
    path(
        "sms-profiles/<int:pk>/", catalog.SmsProfileDetailView.as_view(), name="sms_profile_detail"
    ),
    path(
        "calling-profiles/", catalog.CallingProfileListView.as_view(), name="calling_profile_list"
    ),
    path(
        "calling-profiles/<int:pk>/",
        catalog.CallingProfileDetailView.as_view(),
        name="calling_profile_detail",
    ),
]
