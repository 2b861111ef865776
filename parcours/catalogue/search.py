"""« Trouver un service » (W5): by place and radius, thématiques, types, modes d'accueil, publics, fees and text.

Two indexed queries, then Python on a bounded number of rows:
1. `SearchPoint` rows of the requested thématique tokens (a catégorie token matches all its thématiques, "*" when
   none is asked) inside the bounding box of the circle (index token, latitude, longitude), joined to the service
   for the other filters, ordered by an equirectangular distance, LIMIT;
2. remote services (« à distance ») whose zone covers the place (index code), LIMIT;
then one query loads those services, the exact haversine distance keeps the circle, and each hit gets the French
reasons it matches. Three statements whatever the size of the catalogue.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import ExpressionWrapper, F, FloatField, Min, Q, Value

from parcours.catalogue.indexing import ANY, fold
from parcours.catalogue.models import RemoteArea, SearchPoint, Service, ServiceStatus
from parcours.catalogue.vocabulary import ALL_PUBLICS, FREE, IN_PERSON, REMOTE, label, theme_tokens
from parcours.organizations.models import Commune

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE = 111.195  # mean, for the bounding box and the SQL ordering
DEFAULT_RADIUS_KM = 10
MAX_RADIUS_KM = 200
REMOTE_SHARE = 5  # at most limit // REMOTE_SHARE (≥ 1) remote services beside the nearby ones


@dataclass
class Hit:
    service: Service
    distance_km: float | None
    reasons: list[str] = field(default_factory=list)
    remote: bool = False
    barriers: list[str] = field(default_factory=list)  # set by suggest.for_person (frein labels)


@dataclass(frozen=True)
class Criteria:
    latitude: float | None = None
    longitude: float | None = None
    place_codes: tuple[str, ...] = ()  # commune INSEE + département (+ « france »): zones of remote services
    radius_km: float = DEFAULT_RADIUS_KM
    themes: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    reception_modes: tuple[str, ...] = ()
    publics: tuple[str, ...] = ()
    fees: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()

    @property
    def located(self) -> bool:
        return self.latitude is not None and self.longitude is not None


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def km(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def _tuple(values) -> tuple[str, ...]:
    if not values:
        return ()
    if isinstance(values, str):
        values = [values]
    return tuple(dict.fromkeys(str(v) for v in values if v))


_communes: dict[str, Commune] = {}  # reference data (written by a migration): kept per process once read


def resolve_commune(commune) -> Commune | None:
    if commune is None or commune == "":
        return None
    if isinstance(commune, Commune):
        return commune
    if isinstance(commune, int):
        return Commune.objects.filter(pk=commune).first()
    code = str(commune)
    if code not in _communes:
        found = (
            Commune.objects.filter(insee_code=code)
            .only("insee_code", "name", "department_code", "latitude", "longitude")
            .first()
        )
        if found is None:
            return None
        if len(_communes) > 5000:
            _communes.clear()
        _communes[code] = found
    return _communes[code]


def criteria(
    *, point=None, commune=None, radius_km=None, themes=(), types=(), reception_modes=(), publics=(), fees=(),
    text="", sectors=(),
) -> Criteria:  # fmt: skip
    latitude = longitude = None
    codes: tuple[str, ...] = ()
    place = resolve_commune(commune)
    if point is not None:
        latitude, longitude = float(point[0]), float(point[1])
    elif place is not None and place.latitude is not None:
        latitude, longitude = place.latitude, place.longitude
    if place is not None:
        codes = (place.insee_code, place.department_code, "france")
    radius = min(float(radius_km or DEFAULT_RADIUS_KM), MAX_RADIUS_KM)
    return Criteria(
        latitude=latitude,
        longitude=longitude,
        place_codes=codes,
        radius_km=radius,
        themes=_tuple(themes),
        types=_tuple(types),
        reception_modes=_tuple(reception_modes),
        publics=_tuple(publics),
        fees=_tuple(fees),
        words=tuple(w for w in fold(text).split() if len(w) > 1),
        sectors=_tuple(sectors),
    )


def _any_tag(prefix: str, values, path: str) -> Q:
    q = Q()
    for value in values:
        q |= Q(**{f"{path}filter_tags__contains": f" {prefix}:{value} "})
    return q


def service_filter(c: Criteria, path: str = "", *, themes: bool = False, modes: bool = True) -> Q:
    """The non-geographic filters, on `Service` (path "") or through a relation (path "service__")."""
    q = Q()
    if themes and c.themes:
        q &= _any_tag("t", c.themes, path)
    if c.types:
        q &= _any_tag("ty", c.types, path)
    if modes and c.reception_modes:
        q &= _any_tag("m", c.reception_modes, path)
    if c.publics:
        q &= _any_tag("p", (*c.publics, ALL_PUBLICS), path) | ~Q(**{f"{path}filter_tags__contains": " p:"})
    if c.fees:
        q &= _any_tag("f", c.fees, path)
    if c.sectors:
        q &= _any_tag("s", c.sectors, path)
    for word in c.words:
        q &= Q(**{f"{path}search_text__contains": word})
    return q


def nearby_candidates(c: Criteria, limit: int):
    """The indexed query (the W5 limit probe): ids of the nearest matching services, nearest first.

    A service has one point per token, all at its place: GROUP BY keeps it once.
    """
    dlat = c.radius_km / KM_PER_DEGREE
    scale = math.cos(math.radians(c.latitude))
    dlon = dlat / max(scale, 0.01)
    squared = ExpressionWrapper(
        (F("latitude") - Value(c.latitude)) * (F("latitude") - Value(c.latitude))
        + (F("longitude") - Value(c.longitude)) * (F("longitude") - Value(c.longitude)) * Value(scale * scale),
        output_field=FloatField(),
    )
    # Every point is a service received on site (remote-only services have none, they match through their zone):
    # the mode d'accueil needs no condition here.
    return (
        SearchPoint.objects.filter(
            service_filter(c, "service__", modes=False),
            token__in=theme_query_tokens(c.themes),
            latitude__range=(c.latitude - dlat, c.latitude + dlat),
            longitude__range=(c.longitude - dlon, c.longitude + dlon),
        )
        .annotate(d2=squared)
        .filter(d2__lte=dlat * dlat * 1.02)
        .values("service_id")
        .annotate(d=Min("d2"))
        .order_by("d", "service_id")
        .values_list("service_id", flat=True)[:limit]
    )


def theme_query_tokens(themes) -> list[str]:
    return list(themes) if themes else [ANY]


def remote_candidates(c: Criteria, limit: int):
    """Remote services whose zone covers the place (their commune, département or « france »)."""
    return (
        RemoteArea.objects.filter(
            service_filter(c, "service__", modes=False),
            code__in=c.place_codes,
            token__in=theme_query_tokens(c.themes),
        )
        .values_list("service_id", flat=True)
        .distinct()
        .order_by("service_id")[:limit]
    )


def _reasons(service: Service, c: Criteria, distance: float | None, remote: bool) -> list[str]:
    reasons = []
    if distance is not None and not (remote and distance > c.radius_km):
        reasons.append(f"à {km(distance)} km")
    if remote:
        reasons.append(
            "à distance, dans sa zone" if distance is None or distance > c.radius_km else "aussi à distance"
        )
    tokens = set(theme_tokens(service.themes))
    reasons += [f"thématique : {label(t)}" for t in c.themes if t in tokens]
    reasons += [f"type : {label(t)}" for t in c.types if t in (service.service_types or ())]
    reasons += [f"accueil : {label(m).lower()}" for m in c.reception_modes if m in (service.reception_modes or ())]
    if c.publics:
        if ALL_PUBLICS in (service.publics or ()) or not service.publics:
            reasons.append("tous publics")
        reasons += [f"public : {label(p)}" for p in c.publics if p in (service.publics or ())]
    reasons += [f"secteur : {label(s)}" for s in c.sectors if s in (service.sectors or ())]
    if service.fees == FREE:
        reasons.append("gratuit")
    if c.words:
        reasons.append("texte : « " + " ".join(c.words) + " »")
    return reasons


# What the hits show (the list, the reasons): the other columns stay in the database.
HIT_FIELDS = (
    "public_id", "name", "status", "city", "latitude", "longitude", "themes", "service_types", "reception_modes",
    "publics", "fees", "sectors", "weekly_hours", "duration_weeks", "structure__name", "structure__public_id",
)  # fmt: skip


def _on_site(service: Service) -> bool:
    return not service.reception_modes or IN_PERSON in service.reception_modes


def run(c: Criteria, limit: int = 50) -> list[Hit]:
    base = Service.objects.select_related("structure").only(*HIT_FIELDS).order_by()
    if not c.located and not c.place_codes:  # no place: the whole catalogue, by name
        services = base.filter(service_filter(c, themes=True), status=ServiceStatus.PUBLISHED).order_by("name", "pk")
        return [Hit(s, None, _reasons(s, c, None, False)) for s in services[:limit]]
    on_site = c.located and (not c.reception_modes or IN_PERSON in c.reception_modes)
    remote = bool(c.place_codes) and (not c.reception_modes or REMOTE in c.reception_modes)
    share = max(1, limit // REMOTE_SHARE)
    subqueries = []
    if on_site:  # a few more than the limit: the circle's edge is decided by the exact distance
        subqueries.append(nearby_candidates(c, limit + 4))
    if remote:
        subqueries.append(remote_candidates(c, share if on_site else limit))
    services = list(base.filter(_any_of(subqueries)))  # both indexed queries as sub-queries: one statement
    hits, far = _split(services, c, on_site)
    if remote and on_site and len(far) >= share and len(hits) + len(far) < limit:  # few nearby: more remote ones
        more = base.filter(pk__in=remote_candidates(c, limit)).exclude(pk__in=[s.pk for s in services])
        far += _split(list(more), c, False)[1]
    hits.sort(key=lambda h: (h.distance_km, h.service.name))
    far.sort(key=lambda h: (h.distance_km is None, h.distance_km or 0, h.service.name))
    near_count = min(len(hits), limit - min(share, len(far)))
    return hits[:near_count] + far[: limit - near_count]


def _any_of(subqueries) -> Q:
    """pk IN (a) OR pk IN (b): PostgreSQL would test each service against both (a scan), so there it is
    pk IN (a UNION b); SQLite (no LIMIT inside a compound SELECT) turns the OR into two index lookups itself."""
    if not subqueries:
        return Q(pk__in=[])
    if len(subqueries) > 1 and connection.features.supports_slicing_ordering_in_compound:
        return Q(pk__in=subqueries[0].union(*subqueries[1:]))
    q = Q()
    for sub in subqueries:
        q |= Q(pk__in=sub)
    return q


def _split(services: list[Service], c: Criteria, on_site: bool) -> tuple[list[Hit], list[Hit]]:
    """Nearby hits (received on site, inside the circle) and remote ones (reachable in their zone)."""
    hits: list[Hit] = []
    far: list[Hit] = []
    for s in services:
        distance = None
        if c.located and s.latitude is not None:
            distance = haversine_km(c.latitude, c.longitude, s.latitude, s.longitude)
        if on_site and distance is not None and distance <= c.radius_km and _on_site(s):
            hits.append(Hit(s, distance, _reasons(s, c, distance, s.is_remote), remote=s.is_remote))
        elif s.is_remote:
            far.append(Hit(s, distance, _reasons(s, c, distance, True), remote=True))
    return hits, far


def search(
    *, point=None, commune=None, radius_km=DEFAULT_RADIUS_KM, themes=(), types=(), reception_modes=(), publics=(),
    fees=(), text="", sectors=(), limit=50,
) -> list[Hit]:  # fmt: skip
    """Published services near a point or a commune, nearest first, each with the French reasons it matches."""
    c = criteria(
        point=point, commune=commune, radius_km=radius_km, themes=themes, types=types,
        reception_modes=reception_modes, publics=publics, fees=fees, text=text, sectors=sectors,
    )  # fmt: skip
    return run(c, limit)
