"""Keep the search data of a service in step with single saves (bulk paths call indexing.refresh themselves)."""

from parcours.catalogue import indexing

INDEXED_FIELDS = {
    "name", "description", "themes", "service_types", "reception_modes", "publics", "sectors", "fees", "zone",
    "status", "latitude", "longitude", "commune",
}  # fmt: skip


def service_saved(sender, instance, created, update_fields=None, raw=False, **kwargs):
    if raw:
        return
    if update_fields is None or set(update_fields) & INDEXED_FIELDS:
        indexing.refresh([instance.pk])
