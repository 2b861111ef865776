"""French text fragments for the demo département (no real person's data)."""

ROME_PROJECTS = [
    ("Agent·e de propreté", "K2204"),
    ("Préparateur·rice de commandes", "N1103"),
    ("Employé·e polyvalent·e de restauration", "G1603"),
    ("Auxiliaire de vie", "K1302"),
    ("Vendeur·se en alimentation", "D1106"),
    ("Chauffeur·e livreur·se", "N4105"),
    ("Maçon·ne", "F1703"),
    ("Secrétaire", "M1607"),
    ("Assistant·e maternel·le", "K1303"),
    ("Jardinier·e espaces verts", "A1203"),
]

SITUATIONS = [
    "Au RSA depuis plusieurs années, a travaillé en intérim dans la logistique.",
    "Arrivé·e dans le département récemment, hébergé·e chez un tiers.",
    "Sort d'une longue période de soins, souhaite reprendre une activité progressivement.",
    "Élève seul·e deux enfants, cherche une solution de garde pour pouvoir se former.",
    "Expérience dans le nettoyage industriel, permis B en cours.",
    "Peu d'expérience professionnelle en France, suit des cours de français.",
    "Ancien·ne commerçant·e, liquidation en 2023, dettes en cours de traitement.",
]

STRENGTHS = [
    "Motivé·e, ponctuel·le, bon contact.",
    "Réseau familial présent, expérience du travail en équipe.",
    "Autonomie dans les démarches, à l'aise à l'oral.",
    "Savoir-faire manuel, goût pour le travail en extérieur.",
]

GOALS = {
    "mobility": (
        "Se déplacer pour travailler",
        [
            "Inscription à l'auto-école sociale",
            "Demande d'aide au permis",
            "Repérage des trajets en transports en commun",
        ],
    ),
    "family": (
        "Trouver une solution de garde",
        ["Inscription en crèche à vocation d'insertion", "Rendez-vous avec la PMI"],
    ),
    "health": ("Prendre soin de sa santé", ["Bilan de santé CPAM", "Mise à jour de la complémentaire santé"]),
    "literacy": (
        "Progresser en français",
        ["Atelier sociolinguistique deux fois par semaine", "Évaluation des compétences de base"],
    ),
    "housing": ("Stabiliser le logement", ["Demande de logement social", "Rendez-vous avec le SIAO"]),
    "financial": (
        "Retrouver un budget équilibré",
        ["Dossier de surendettement", "Accompagnement budgétaire avec le CCAS"],
    ),
    "administrative": ("Mettre à jour ses droits", ["Renouvellement du titre de séjour", "Déclaration d'impôts"]),
    "digital": (
        "Être autonome sur le numérique",
        ["Atelier numérique à la médiathèque", "Création d'une adresse e-mail"],
    ),
    "job": (
        "Accéder à l'emploi",
        ["Atelier CV et lettre de motivation", "Immersion professionnelle (PMSMP)", "Candidature en SIAE"],
    ),
}

REPORTS = [
    "Point sur les démarches en cours ; la personne a avancé sur son CV.",
    "Échange sur la garde des enfants ; orientation vers la PMI.",
    "Présentation d'une offre en chantier d'insertion, intéressé·e.",
    "Bilan de l'immersion : retour positif de l'employeur.",
    "Difficultés de transport évoquées, recherche de solutions.",
    "Relance sur le dossier logement, pièces manquantes listées.",
]

TEAM_NOTES = [
    "Préfère être contacté·e par SMS le matin.",
    "A obtenu une place en atelier sociolinguistique à partir du mois prochain.",
    "Dossier de logement social déposé, numéro unique reçu.",
    "Intéressé·e par les métiers de la propreté ; prévoir une immersion.",
]

PSY_NOTES = [
    "Entretien centré sur l'estime de soi ; anxiété marquée à l'idée des entretiens d'embauche.",
    "Évoque un deuil récent qui pèse sur sa disponibilité ; poursuivre le soutien mensuel.",
    "Bonne alliance ; travail sur la gestion du stress avant la reprise d'activité.",
]

HEALTH_NOTES = [
    "RQTH en cours de renouvellement ; éviter le port de charges lourdes.",
    "Suivi médical régulier ; temps partiel souhaitable au début.",
]

JUSTICE_NOTES = [
    "Sortie de détention récente, suivi SPIP en cours ; obligation de soins.",
    "Aménagement de peine ; rendez-vous SPIP mensuels à respecter.",
]
