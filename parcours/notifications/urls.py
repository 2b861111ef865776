"""URLs of the notifications (included in parcours/web/urls.py, namespace "web")."""

from django.urls import path

from parcours.notifications import views

urlpatterns = [
    path("notifications/sms/statut/", views.sms_delivery_status, name="sms-delivery-status"),
]
