"""The data·inclusion v1 vocabulary (codes and French labels come from the `data-inclusion-schema` package).

Never copy the code lists by hand: every list here is derived from the package enumerations, so that an upgrade
of the package brings its new codes.
"""

from __future__ import annotations

from functools import cache

from data_inclusion.schema import v1 as di
from django.db import models

from parcours.diagnostics.enums import Barrier


def _choices(enum) -> list[tuple[str, str]]:
    return [(member.value, member.label) for member in enum]


CATEGORY_CHOICES = _choices(di.Categorie)
THEME_CHOICES = _choices(di.Thematique)
SERVICE_TYPE_CHOICES = _choices(di.TypeService)
FEE_CHOICES = _choices(di.Frais)
PUBLIC_CHOICES = _choices(di.Public)
RECEPTION_MODE_CHOICES = _choices(di.ModeAccueil)
MOBILIZATION_MODE_CHOICES = _choices(di.ModeMobilisation)
MOBILIZER_CHOICES = _choices(di.PersonneMobilisatrice)
NETWORK_CHOICES = _choices(di.ReseauPorteur)

REMOTE = di.ModeAccueil.A_DISTANCE.value
IN_PERSON = di.ModeAccueil.EN_PRESENTIEL.value
FREE = di.Frais.GRATUIT.value
ALL_PUBLICS = di.Public.TOUS_PUBLICS.value
NATIONAL_ZONES = ("france", "99100")


class Sector(models.TextChoices):
    """Inclusive sectors (« secteurs inclusifs »): tags on structures (SIAE) and services."""

    ECO_CONSTRUCTION = "eco_construction", "Éco-construction"
    SUSTAINABLE_FOOD = "sustainable_food", "Alimentation durable"
    URBAN_LOGISTICS = "urban_logistics", "Logistique urbaine"
    DIGITAL = "digital", "Numérique"
    CIRCULAR_ECONOMY = "circular_economy", "Économie circulaire"
    PERSONAL_SERVICES = "personal_services", "Services à la personne"
    GREEN_SPACES = "green_spaces", "Espaces verts et environnement"
    SUSTAINABLE_MOBILITY = "sustainable_mobility", "Mobilité durable"
    RENEWABLE_ENERGY = "renewable_energy", "Énergies renouvelables"


@cache
def labels() -> dict[str, str]:
    """Every code of the vocabulary → its French label (codes do not collide between enumerations we show)."""
    table: dict[str, str] = {}
    for choices in (
        NETWORK_CHOICES,
        MOBILIZER_CHOICES,
        MOBILIZATION_MODE_CHOICES,
        RECEPTION_MODE_CHOICES,
        PUBLIC_CHOICES,
        FEE_CHOICES,
        SERVICE_TYPE_CHOICES,
        CATEGORY_CHOICES,
        THEME_CHOICES,
    ):
        table.update(choices)
    table.update(Sector.choices)
    return table


def label(code: str) -> str:
    return labels().get(code, code)


def category_of(theme: str) -> str:
    """`mobilite--preparer-un-permis` → `mobilite`; a category code is its own category."""
    return theme.split("--", 1)[0]


@cache
def themes_by_category() -> dict[str, tuple[str, ...]]:
    table: dict[str, list[str]] = {code: [] for code, _ in CATEGORY_CHOICES}
    for code, _ in THEME_CHOICES:
        table.setdefault(category_of(code), []).append(code)
    return {key: tuple(value) for key, value in table.items()}


def theme_tokens(themes) -> list[str]:
    """The index tokens of a service's thématiques: each code and its parent catégorie (a parent matches children)."""
    tokens: list[str] = []
    for theme in themes or ():
        for token in (theme, category_of(theme)):
            if token not in tokens:
                tokens.append(token)
    return tokens


def grouped_theme_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Thématiques grouped under their catégorie, the catégorie itself first (« toute la catégorie »)."""
    by_category = themes_by_category()
    themes = dict(THEME_CHOICES)
    return [
        (cat_label, [(cat, f"{cat_label} (toute la catégorie)")] + [(t, themes[t]) for t in by_category.get(cat, ())])
        for cat, cat_label in CATEGORY_CHOICES
    ]


def all_search_theme_codes() -> set[str]:
    return {code for code, _ in CATEGORY_CHOICES} | {code for code, _ in THEME_CHOICES}


def default_barrier_themes() -> dict[str, list[str]]:
    """DOMAIN §4.3: frein → thématiques (a proposal to validate with users; administrators edit it)."""
    by_category = themes_by_category()
    alimentation = di.Thematique.EQUIPEMENT_ET_ALIMENTATION__ALIMENTATION.value
    return {
        Barrier.MOBILITY: list(by_category["mobilite"]),
        Barrier.FAMILY: list(by_category["famille"]),
        Barrier.HEALTH: list(by_category["sante"]),
        Barrier.LITERACY: list(by_category["lecture-ecriture-calcul"]),
        Barrier.HOUSING: list(by_category["logement-hebergement"]),
        Barrier.FINANCIAL: [*by_category["difficultes-financieres"], alimentation],
        Barrier.ADMINISTRATIVE: list(by_category["difficultes-administratives-ou-juridiques"]),
        Barrier.DIGITAL: list(by_category["numerique"]),
    }
