"""Words of a header and of a schema field, compared as an agent would read them.

A header and a field are both turned into a bag of *terms*: accents, case,
punctuation, word order and units in brackets do not matter; field names are
split (``nomAttribuant``, ``COLL_SIRET``); common French abbreviations of
office spreadsheets are expanded (N°, Nb, Tél., Réf., CP, %…) and words that
mean the same thing in an administrative table share one concept. Nothing
here knows a schema's fields: the same rules apply to every schema.
"""
from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache
from typing import Iterable

STOPWORDS = frozenset(
    "a au aux avec ce ces d de des du en et l la le les ou par sa se son sur un une dans est "
    "qui que the of to ne pas si il elle lui y c s n qu leur leurs sont etre cette".split()
)

# Abbreviations seen in office spreadsheets, expanded to the word they stand for.
ABBREVIATIONS = {
    "n": "numero", "no": "numero", "num": "numero", "nr": "numero", "nro": "numero",
    "nb": "nombre", "nbr": "nombre", "nbre": "nombre", "qte": "quantite",
    "tel": "telephone", "tph": "telephone", "fax": "telephone",
    "ref": "reference", "id": "identifiant", "ident": "identifiant",
    "cp": "code postal", "pct": "pourcentage", "dt": "date",
    "mt": "montant", "mnt": "montant", "lat": "latitude", "lon": "longitude", "lng": "longitude",
    "long": "longitude", "adr": "adresse", "coll": "collectivite", "equip": "equipement",
    "delib": "deliberation", "pref": "prefecture", "bgt": "budget", "insee": "insee",
    "mel": "email", "courriel": "email", "mail": "email", "url": "lien", "web": "lien",
    "orga": "organisme", "asso": "association", "benef": "beneficiaire", "subv": "subvention",
    "coord": "coordonnee", "abst": "abstention", "cat": "categorie", "lib": "libelle",
    "lbl": "libelle", "dept": "departement", "dpt": "departement", "eur": "euro", "euros": "euro",
    "ht": "hors taxe", "ttc": "toutes taxes", "ue": "union europeenne",
}

# Words an administrative table uses for the same thing: one concept each.
CONCEPTS = [
    ("numero", "reference", "identifiant", "code", "matricule", "cle"),
    ("deliberation", "decision", "acte", "arrete"),
    ("montant", "somme", "valeur", "cout", "prix"),
    ("nombre", "effectif", "decompte", "quantite", "total", "occurrence", "comptage"),
    ("membre", "elu", "representant", "conseiller"),
    ("votant", "present", "participant"),
    ("annee", "exercice", "millesime", "an"),
    ("ville", "commune", "localite", "municipalite"),
    ("collectivite", "mairie", "municipalite", "organisme", "attribuant", "commune", "gestionnaire",
     "proprietaire", "entite"),
    ("beneficiaire", "association", "tiers", "destinataire"),
    ("lien", "adresse web", "site", "document", "fichier", "pdf"),
    ("voie", "rue", "avenue"),
    ("libelle", "label", "intitule", "designation"),
    ("nom", "raison sociale", "denomination", "appellation"),
    ("objet", "motif", "description", "titre", "intitule", "projet"),
    ("type", "categorie", "famille", "genre", "theme", "nature"),
    ("sexe", "genre"),
    ("telephone", "phone", "portable"),
    ("email", "e-mail", "electronique"),
    ("date", "jour"),
    ("seance", "conseil", "reunion", "adoption", "adopte"),
    ("transmission", "envoi", "controle", "legalite", "enregistrement"),
    ("pourcentage", "part", "taux", "ratio", "proportion", "quote"),
    ("versement", "paiement", "reglement"),
    ("abstention", "abstenu"),
    ("recette", "depense"),
    ("plat", "mets", "recette culinaire"),
    ("convive", "public", "usager"),
    ("restaurant", "cantine", "refectoire", "self"),
    ("etablissement", "site", "structure", "cuisine", "producteur", "production"),
    ("enfant", "nouveau-ne", "naissance", "bebe"),
    ("prenom", "prenoms"),
]
_CONCEPT_OF: dict[str, set[str]] = {}
for _group in CONCEPTS:
    for _word in _group:
        _CONCEPT_OF.setdefault(_word, set()).add(_group[0])

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_BRACKETS = re.compile(r"[(\[{]([^)\]}]*)[)\]}]")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)|https?://\S+")
_WORD = re.compile(r"[a-z0-9]+")


def fold(text: str) -> str:
    """Lower case, no accents, ``œ`` → ``oe``."""
    text = str(text).replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("\u00a0", " ")
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def units(text: str) -> set[str]:
    """Units a header names in brackets or with symbols: ``Montant (€)`` → {"euro"}."""
    found = set()
    folded = fold(text)
    if "€" in text or re.search(r"\beuros?\b|\beur\b", folded):
        found.add("euro")
    if "%" in text or "pourcent" in folded:
        found.add("percent")
    return found


def _singular(word: str) -> str:
    if len(word) > 3 and word[-1] in "sx" and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@lru_cache(maxsize=4096)
def terms(text: str, is_name: bool = False) -> tuple[str, ...]:
    """The words of a header, title or description, abbreviations expanded, singular."""
    text = _LINK.sub(lambda m: m.group(1) or " ", str(text))
    if is_name:
        text = _CAMEL.sub(" ", text).replace("_", " ")
    text = text.replace("%", " pourcentage ").replace("€", " euro ").replace("°", " ")
    text = _BRACKETS.sub(lambda m: " " + m.group(1) + " ", text)
    words = []
    for raw in _WORD.findall(fold(text)):
        expanded = ABBREVIATIONS.get(raw, raw)
        for word in expanded.split():
            words.append(_singular(word))
    kept = [w for w in words if w not in STOPWORDS]
    return tuple(kept or words)


def concepts(word: str) -> set[str]:
    return _CONCEPT_OF.get(word, set())


def word_match(a: str, b: str) -> float:
    """1 for the same word, less for a shared stem (``notifiee``/``notification``)."""
    if a == b:
        return 1.0
    if len(a) >= 4 and len(b) >= 4:
        short, long_ = sorted((a, b), key=len)
        if long_.startswith(short) and len(long_) - len(short) >= 2:
            return 0.85  # an abbreviation by truncation: ``benef``, ``subv``
        common = 0
        for x, y in zip(a, b):
            if x != y:
                break
            common += 1
        if common >= 5 and common >= 0.6 * min(len(a), len(b)):
            return 0.75
    if concepts(a) & concepts(b):
        return 0.5
    return 0.0


class Vocabulary:
    """Word weights over one schema's fields: words found in many fields say little."""

    def __init__(self, documents: Iterable[Iterable[str]]):
        counts: dict[str, int] = {}
        total = 0
        for doc in documents:
            total += 1
            for word in set(doc):
                counts[word] = counts.get(word, 0) + 1
        self.total = max(total, 1)
        self.counts = counts

    def weight(self, word: str) -> float:
        return math.log(1 + self.total / (1 + self.counts.get(word, 0)))


def coverage(header: tuple[str, ...], target: tuple[str, ...], vocabulary: Vocabulary) -> float:
    """Weighted share of the header's words found in ``target`` (0..1)."""
    if not header or not target:
        return 0.0
    total = found = 0.0
    targets = set(target)
    for word in header:
        w = vocabulary.weight(word)
        total += w
        best = 1.0 if word in targets else max((word_match(word, t) for t in targets), default=0.0)
        found += w * best
    return found / total if total else 0.0


def similarity(header: tuple[str, ...], target: tuple[str, ...], vocabulary: Vocabulary) -> float:
    """Both ways: the header's words in the target and the target's words in the header."""
    if not header or not target:
        return 0.0
    return 0.65 * coverage(header, target, vocabulary) + 0.35 * coverage(target, header, vocabulary)
