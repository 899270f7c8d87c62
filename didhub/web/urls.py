from django.urls import path

from didhub.web import views

app_name = "web"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
]
