"""URLs of the planning pages (included in parcours/web/urls.py, namespace "web")."""

urlpatterns = []
