from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "didhub.demo"
    label = "demo"
    verbose_name = "Demo"
