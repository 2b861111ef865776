from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Parcours — administration de la plateforme"
admin.site.site_title = "Parcours"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("parcours.web.urls")),
]
