"""Names of harvested datasets: from the title, numbered when taken."""
from __future__ import annotations

from tests.harvesters.conftest import HARVEST_CONFIG_MARKS, FakeOds
from tests.harvesters.lib import harvested, make_source, run_job

pytestmark = HARVEST_CONFIG_MARKS


def test_datasets_with_the_same_title_get_numbered_names(fault_server):
    ods = FakeOds(fault_server, count=3)
    for item in ods.datasets:
        item["metas"]["default"]["title"] = "Budget primitif — 2024"
    source = make_source(fault_server.url("/"), "ods")

    run_job(source)

    assert sorted(p["name"] for p in harvested(source)) == [
        "budget-primitif-2024", "budget-primitif-20241", "budget-primitif-20242"]
