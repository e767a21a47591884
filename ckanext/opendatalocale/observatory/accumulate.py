"""One pass over a collectivité's consolidated rows per indicator: yearly sums and counts that
``compute`` turns into figures. Values come typed from the consolidation store; strings are
accepted too (dates as ISO text, amounts with a decimal comma). Pure Python."""
from __future__ import annotations

import abc
import datetime as dt
import re
from collections import Counter, defaultdict
from typing import Any

_YEAR = re.compile(r"^\s*(\d{4})")


def year_of(value: Any) -> str | None:
    """The year of a date, datetime, year number or ISO text, as text (JSON keys)."""
    if isinstance(value, (dt.date, dt.datetime)):
        return str(value.year)
    if isinstance(value, int) and 1000 <= value <= 9999:
        return str(value)
    match = _YEAR.match(str(value or ""))
    return match.group(1) if match else None


def month_of(value: Any) -> str | None:
    if isinstance(value, (dt.date, dt.datetime)):
        return f"{value.year:04d}-{value.month:02d}"
    text = str(value or "")
    return text[:7] if re.match(r"^\d{4}-\d{2}", text) else None


def number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value).replace("\u00a0", "").replace(" ", "").replace(",", "."))
    except ValueError:
        return None


def text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def listed(value: Any) -> list[str]:
    """Array fields (typed lists, or text separated by ``;``/``,`` in loosely typed rows)."""
    if isinstance(value, (list, tuple)):
        return [text(v) for v in value if text(v)]
    return [part.strip() for part in re.split(r"[;,]", text(value)) if part.strip()]


class Accumulator(abc.ABC):
    """Base: counts rows and remembers the source datasets and resources."""

    def __init__(self) -> None:
        self.rows = 0
        self.datasets: set[str] = set()

    def add(self, row: dict[str, Any]) -> None:
        self.rows += 1
        if row.get("_dataset_id"):
            self.datasets.add(str(row["_dataset_id"]))
        self.take(row)

    @abc.abstractmethod
    def take(self, row: dict[str, Any]) -> None:
        """Fold one row into the schema's figures."""


class Subventions(Accumulator):
    def __init__(self) -> None:
        super().__init__()
        self.amount: dict[str, float] = defaultdict(float)
        self.count: Counter = Counter()
        self.beneficiaries: dict[str, set[str]] = defaultdict(set)
        self.nature: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))

    def take(self, row):
        year = year_of(row.get("dateConvention"))
        amount = number(row.get("montant"))
        if year is None or amount is None:
            return
        self.amount[year] += amount
        self.count[year] += 1
        who = text(row.get("idBeneficiaire")) or text(row.get("nomBeneficiaire")).lower()
        if who:
            self.beneficiaries[year].add(who)
        self.nature[year][text(row.get("nature")) or "?"] += amount


class Deliberations(Accumulator):
    def __init__(self) -> None:
        super().__init__()
        self.count: Counter = Counter()
        self.linked: Counter = Counter()
        self.matiere: dict[str, Counter] = defaultdict(Counter)
        self.months: Counter = Counter()

    def take(self, row):
        year = year_of(row.get("DELIB_DATE"))
        if year is None:
            return
        self.count[year] += 1
        if text(row.get("DELIB_URL")):
            self.linked[year] += 1
        code = text(row.get("DELIB_MATIERE_CODE")).split(".")[0]
        self.matiere[year][code or "?"] += 1
        month = month_of(row.get("DELIB_DATE"))
        if month:
            self.months[month] += 1


class Equipements(Accumulator):
    def __init__(self) -> None:
        super().__init__()
        self.themes: Counter = Counter()

    def take(self, row):
        self.themes[text(row.get("EQUIP_THEME")) or "?"] += 1


class Irve(Accumulator):
    def __init__(self) -> None:
        super().__init__()
        self.points: set[str] = set()
        self.stations: set[str] = set()

    def take(self, row):
        point = text(row.get("id_pdc_itinerance")) or text(row.get("id_pdc_local"))
        if point:
            self.points.add(point)
        station = text(row.get("id_station_itinerance")) or text(row.get("nom_station"))
        if station:
            self.stations.add(station)


REMOVED_DAE = {"supprimé définitivement"}


class Defibrillateurs(Accumulator):
    def __init__(self) -> None:
        super().__init__()
        self.active = 0
        self.access: Counter = Counter()

    def take(self, row):
        if text(row.get("etat_fonct")).lower() in REMOVED_DAE or text(row.get("etat")) == "A supprimer":
            return
        self.active += 1
        self.access[text(row.get("acc")) or "?"] += 1


class Budget(Accumulator):
    """Real spending per year and document nature, by section."""

    def __init__(self) -> None:
        super().__init__()
        # year -> document -> section -> amount
        self.spending: dict[str, dict[str, dict[str, float]]] = defaultdict(
            lambda: defaultdict(lambda: defaultdict(float)))

    def take(self, row):
        if text(row.get("BGT_OPBUDG")) != "réel" or text(row.get("BGT_CODRD")) != "dépense":
            return
        year = year_of(row.get("BGT_ANNEE"))
        document = text(row.get("BGT_NATDEC"))
        field = {"compte administratif": "BGT_MTREAL", "budget primitif": "BGT_MTPREV"}.get(document)
        amount = number(row.get(field)) if field else None
        if year is None or amount is None:
            return
        self.spending[year][document][text(row.get("BGT_SECTION")) or "?"] += amount

    def year_total(self, year: str) -> tuple[str, dict[str, float]] | None:
        """The document used for the year (compte administratif first) and its sections."""
        documents = self.spending.get(year) or {}
        for document in ("compte administratif", "budget primitif"):
            if document in documents:
                return document, dict(documents[document])
        return None


class Menus(Accumulator):
    def __init__(self) -> None:
        super().__init__()
        self.dishes: Counter = Counter()
        self.signed: Counter = Counter()
        self.signs: Counter = Counter()

    def take(self, row):
        year = year_of(row.get("menuDate"))
        if year is None:
            return
        self.dishes[year] += 1
        signs = listed(row.get("menuPlatSiqo"))
        if signs:
            self.signed[year] += 1
            self.signs.update(signs)


class Prenoms(Accumulator):
    def __init__(self) -> None:
        super().__init__()
        self.births: dict[str, Counter] = defaultdict(Counter)

    def take(self, row):
        year = year_of(row.get("ANNEE"))
        count = number(row.get("NOMBRE_OCCURRENCES"))
        name = text(row.get("ENFANT_PRENOM")).title()
        if year and name and count:
            self.births[year][name] += int(count)


ACCUMULATORS = {"subventions": Subventions, "deliberations": Deliberations, "equipements": Equipements,
                "irve": Irve, "defibrillateurs": Defibrillateurs, "budget": Budget, "menus": Menus,
                "prenoms": Prenoms}
