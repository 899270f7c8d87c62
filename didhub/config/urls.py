from django.urls import include, path

urlpatterns = [
    path("", include("didhub.web.urls")),
]
