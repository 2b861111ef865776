"""URLs of the rsvp pages (included in parcours/web/urls.py, namespace "web").

The person's link and the counselor's feed carry their credential in the path: parcours.rsvp.logs masks it
in the logs.
"""

from django.urls import path

from parcours.web.views import rsvp

urlpatterns = [
    path("rdv/<str:rsvp_token>/", rsvp.rsvp, name="rsvp"),
    path("agenda/flux/<str:feed_token>.ics", rsvp.calendar_feed, name="calendar-feed"),
    path("agenda/abonnement/", rsvp.calendar_feed_manage, name="calendar-feed-manage"),
]
