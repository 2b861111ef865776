"""URLs of the alerts pages (included in parcours/web/urls.py, namespace "web")."""

urlpatterns = []
