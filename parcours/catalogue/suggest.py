"""Services suggested on a person's file: their open freins → thématiques (BarrierThemes) → search near home."""

from __future__ import annotations

from parcours.catalogue.models import BarrierThemes
from parcours.catalogue.search import Hit, criteria, run
from parcours.catalogue.vocabulary import default_barrier_themes, theme_tokens
from parcours.diagnostics.enums import OPEN_LEVELS, Barrier
from parcours.diagnostics.models import BarrierAssessment

RADIUS_KM = 15


def barrier_themes() -> dict[str, list[str]]:
    """The administrators' mapping; a frein without a row keeps the DOMAIN §4.3 default."""
    table = {str(k): v for k, v in default_barrier_themes().items()}
    table.update(BarrierThemes.objects.values_list("barrier", "themes"))
    return table


def open_barriers(beneficiary) -> list[str]:
    """Freins whose latest grade in the person's open follow-up is « à travailler » or « en cours de levée »."""
    return list(
        BarrierAssessment.objects.filter(
            follow_up__beneficiary=beneficiary,
            follow_up__end_date__isnull=True,
            is_current=True,
            level__in=OPEN_LEVELS,
        )
        .order_by("barrier")
        .values_list("barrier", flat=True)
    )


def for_person(beneficiary, limit: int = 5, *, barriers=None, radius_km: float = RADIUS_KM) -> list[Hit]:
    """Up to `limit` services near the person's commune answering their open freins, shared among the freins.

    `barriers` restricts the freins considered (the view passes those the viewer may read: the health frein
    follows the health section). Each hit says which frein(s) it answers.
    """
    freins = open_barriers(beneficiary)
    if barriers is not None:
        allowed = {str(b) for b in barriers}
        freins = [b for b in freins if b in allowed]
    if not freins or beneficiary.commune_id is None:
        return []
    mapping = barrier_themes()
    wanted = {b: [t for t in mapping.get(b, []) if t] for b in freins}
    themes = sorted({t for ts in wanted.values() for t in ts})
    if not themes:
        return []
    hits = run(criteria(commune=beneficiary.commune, radius_km=radius_km, themes=themes), limit=limit * 10)
    per_barrier: dict[str, list[Hit]] = {b: [] for b in freins}
    for hit in hits:
        tokens = set(theme_tokens(hit.service.themes))
        answered = [b for b in freins if tokens & set(wanted[b])]
        hit.barriers = [Barrier(b).label for b in answered]
        labels = ", ".join(hit.barriers)
        hit.reasons = [f"répond au frein : {labels}", *[r for r in hit.reasons if not r.startswith("thématique")]]
        for b in answered:
            per_barrier[b].append(hit)
    chosen: list[Hit] = []
    seen: set[int] = set()
    rank = 0
    while len(chosen) < limit and any(rank < len(v) for v in per_barrier.values()):  # round-robin over freins
        for b in freins:
            if rank < len(per_barrier[b]) and per_barrier[b][rank].service.pk not in seen and len(chosen) < limit:
                seen.add(per_barrier[b][rank].service.pk)
                chosen.append(per_barrier[b][rank])
        rank += 1
    return chosen
