from django.contrib import admin

from parcours.referrals.models import Referral


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    """Read-only follow-up of the referrals for the platform team; no personal data (names, shared data, message)."""

    list_display = ("public_id", "status", "department", "service", "sent_at", "answered_at", "started_on", "ended_on")
    list_filter = ("status", "department")
    search_fields = ("=public_id",)
    list_select_related = ("department", "service")
    fields = (
        "public_id",
        "department",
        "service",
        "status",
        "sent_at",
        "expires_at",
        "answered_at",
        "refusal_reason",
        "started_on",
        "completed_on",
        "ended_on",
        "abandon_reason",
        "closed_at",
        "link_version",
        "link_expires_at",
        "link_reminded_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
