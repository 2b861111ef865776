from django.contrib import admin

from parcours.notifications.models import Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """Read-only delivery tracking for the platform team; no personal data (names, numbers, texts) shown."""

    list_display = ("created_at", "kind", "channel", "status", "attempts", "department", "sent_at", "delivered_at")
    list_filter = ("status", "channel", "kind", "department")
    search_fields = ("=client_ref", "=provider_ref")
    list_select_related = ("department",)
    fields = (
        "client_ref",
        "provider_ref",
        "department",
        "kind",
        "channel",
        "days_before",
        "status",
        "attempts",
        "error",
        "created_at",
        "sent_at",
        "delivered_at",
        "updated_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
