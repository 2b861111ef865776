"""URLs of the rsvp pages (included in parcours/web/urls.py, namespace "web")."""

urlpatterns = []
