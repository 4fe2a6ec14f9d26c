"""The product's URLconf with the benchmark's bare view in front of it."""

from django.urls import path

from bench.bareapp.views import bare_view
from config.urls import urlpatterns as product_urlpatterns

urlpatterns = [path("bench/bare/", bare_view, name="bench-bare"), *product_urlpatterns]
