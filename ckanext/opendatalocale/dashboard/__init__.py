"""ATD dashboard: collectivités of a territory, their obligation, publications, SCDL coverage,
conformity and freshness, computed into monthly snapshots (issue 6)."""
