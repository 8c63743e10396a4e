"""Chart aggregates: the funnel's conversion rates and the distributions, from SQL counts."""

from __future__ import annotations

import pytest

from db.charts import FunnelStep, funnel
from tests.conftest import ADMIN, LOST, TODAY, WON


@pytest.fixture
def stages(make_customer):
    for stage, count in [("lead", 4), ("intent", 3), ("proposal", 2), ("negotiation", 0), ("won", 1), ("lost", 5)]:
        for _ in range(count):
            make_customer(stage=stage, grade="A" if stage == "won" else "B",
                          **{"won": WON, "lost": LOST}.get(stage, {}))


def test_the_funnel_counts_customers_who_reached_each_stage(db, stages):
    # Added today at 10:30: nobody has left a stage yet, and those in one have been there 0.6 days by midnight.
    assert funnel(db, actor=ADMIN, today=TODAY) == [
        FunnelStep("lead", current=4, reached=10, step_rate=None, overall_rate=1.0, current_days=0.6),
        FunnelStep("intent", current=3, reached=6, step_rate=0.6, overall_rate=0.6, current_days=0.6),
        FunnelStep("proposal", current=2, reached=3, step_rate=0.5, overall_rate=0.3, current_days=0.6),
        FunnelStep("negotiation", current=0, reached=1, step_rate=pytest.approx(1 / 3), overall_rate=0.1),
        FunnelStep("won", current=1, reached=1, step_rate=1.0, overall_rate=0.1, current_days=0.6),
    ]


def test_an_empty_funnel_has_no_rates(db):
    assert [(s.reached, s.step_rate, s.overall_rate) for s in funnel(db, actor=ADMIN)] == [(0, None, None)] * 5


