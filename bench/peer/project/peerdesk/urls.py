"""URLs of the peer: django-helpdesk at the site's root (its staff pages, its API under /api/), the admin."""
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("helpdesk.urls", namespace="helpdesk")),
]
