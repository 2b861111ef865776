"""URLs of the review pages (included in parcours/web/urls.py, namespace "web")."""

urlpatterns = []

# Main navigation entries of this area (see parcours/web/nav.py).
NAV = []
