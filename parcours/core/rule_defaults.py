"""Writing national defaults of dated rules from data migrations (each app seeds its own keys).

`defaults`: (key, value, effective from "YYYY-MM-DD", source) tuples. Idempotent: an existing row is kept.
"""

import datetime


def load_defaults(apps, defaults) -> None:
    RuleValue = apps.get_model("core", "RuleValue")
    for key, value, since, source in defaults:
        RuleValue.objects.get_or_create(
            key=key,
            effective_from=datetime.date.fromisoformat(since),
            department=None,
            defaults={"value": value, "source": source},
        )


def unload_defaults(apps, defaults) -> None:
    apps.get_model("core", "RuleValue").objects.filter(key__in=[d[0] for d in defaults], department=None).delete()
