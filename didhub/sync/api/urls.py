from django.urls import path

from didhub.sync.api import views

app_name = "sync_api"

urlpatterns = [
    path("platform-links/", views.PlatformLinkListView.as_view(), name="platform_link_list"),
    path(
        "platform-links/<int:pk>/",
        views.PlatformLinkDetailView.as_view(),
        name="platform_link_detail",
    ),
    path(
        "platform-links/<int:pk>/consent/",
        views.PlatformLinkConsentView.as_view(),
        name="platform_link_consent",
    ),
    path(
        "platform-links/<int:pk>/consent-link/",
        views.PlatformLinkConsentLinkView.as_view(),
        name="platform_link_consent_link",
    ),
    path(
        "platform-links/<int:pk>/resync/",
        views.PlatformLinkResyncView.as_view(),
        name="platform_link_resync",
    ),
    path(
        "platform-links/<int:pk>/replay/",
        views.PlatformLinkReplayView.as_view(),
        name="platform_link_replay",
    ),
    path(
        "platform-links/<int:pk>/messages/",
        views.OutboxMessageListView.as_view(),
        name="platform_link_messages",
    ),
    path(
        "platform-links/<int:pk>/messages/<int:mid>/",
        views.OutboxMessageDetailView.as_view(),
        name="platform_link_message",
    ),
    path(
        "platform-links/<int:pk>/messages/<int:mid>/replay/",
        views.OutboxMessageReplayView.as_view(),
        name="platform_link_message_replay",
    ),
    path("call-events/", views.CallEventsView.as_view(), name="call_events"),
]
