"""Population bands of the Observatoire open data des territoires (indicator I2)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PopulationBand:
    code: str
    low: int  # inclusive
    high: int | None  # exclusive; None = no upper bound
    label: dict[str, str]

    def contains(self, population: int) -> bool:
        return population >= self.low and (self.high is None or population < self.high)


BANDS: tuple[PopulationBand, ...] = (
    PopulationBand("lt3500", 0, 3_500, {"fr": "moins de 3 500 hab.", "en": "under 3,500"}),
    PopulationBand("3500-10000", 3_500, 10_000, {"fr": "3 500 à 10 000 hab.", "en": "3,500 to 10,000"}),
    PopulationBand("10000-20000", 10_000, 20_000, {"fr": "10 000 à 20 000 hab.", "en": "10,000 to 20,000"}),
    PopulationBand("20000-50000", 20_000, 50_000, {"fr": "20 000 à 50 000 hab.", "en": "20,000 to 50,000"}),
    PopulationBand("50000-100000", 50_000, 100_000, {"fr": "50 000 à 100 000 hab.", "en": "50,000 to 100,000"}),
    PopulationBand("ge100000", 100_000, None, {"fr": "plus de 100 000 hab.", "en": "over 100,000"}),
)
BANDS_BY_CODE = {band.code: band for band in BANDS}


def population_band(population: int | None) -> PopulationBand | None:
    """The band holding ``population`` (None when the population is unknown)."""
    if population is None:
        return None
    return next(band for band in BANDS if band.contains(max(population, 0)))
