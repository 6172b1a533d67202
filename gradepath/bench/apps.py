from django.apps import AppConfig


class BenchConfig(AppConfig):
    name = "gradepath.bench"
    label = "bench"
    verbose_name = "Benchmarks"
