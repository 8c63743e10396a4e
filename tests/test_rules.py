"""The sales rules: defaults from the seeds, changed by managers and administrators only, every value
checked against its bounds and the others, shown and saved on the 规则 page, listed in the README."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from db import settings
from db.access import AccessDenied
from db.connection import BASE_ENV, opened
from schema.rules import RULES, Rules
from tests.conftest import ADMIN, LINA, MANAGER, app_for

ROOT = Path(__file__).resolve().parent.parent


def test_the_defaults_are_the_seeds_numbers():
    rules = Rules.with_changes()
    assert (rules.grade_a, rules.grade_b) == (15, 10)  # A ≥ 15, B 10–14, C < 10
    assert (rules.cadence_a, rules.cadence_b, rules.cadence_c) == (7, 14, 30)  # weekly, biweekly, monthly
    assert (rules.pool_days, rules.pool_warning_days) == (30, 3)
    assert rules.problems() == []


@pytest.fixture
def demo(demo_file, tmp_path, monkeypatch) -> Path:
    path = Path(shutil.copy(demo_file, tmp_path / "demo.db"))
    monkeypatch.setenv(BASE_ENV, str(path))
    return path


@pytest.mark.parametrize("actor", [ADMIN, MANAGER])
def test_managers_and_administrators_change_a_rule_and_everyone_reads_it(demo, actor):
    with opened(demo) as db:
        settings.update_rules(db, actor, {"pool_days": 45})
        assert settings.rules(db).pool_days == 45


def test_a_salesperson_cannot_change_the_rules(demo):
    with opened(demo) as db, pytest.raises(AccessDenied):
        settings.update_rules(db, LINA, {"pool_days": 45})


@pytest.mark.parametrize(("changes", "reason", "rule"), [
    ({"pool_days": 0}, "rules.out_of_range", "pool_days"),
    ({"pool_days": "三十"}, "rules.out_of_range", "pool_days"),
    ({"grade_a": 20.5}, "rules.out_of_range", "grade_a"),
    ({"no_such_rule": 3}, "rules.unknown", "no_such_rule"),
    ({"grade_b": 15}, "rules.grade_order", "grade_b"),         # B's cut must stay below A's
    ({"pool_warning_days": 30}, "rules.warning_order", "pool_warning_days"),
    ({"tier_a": 40}, "rules.tier_order", "tier_a"),
])
def test_a_value_out_of_bounds_or_contradicting_another_is_refused_and_nothing_written(demo, changes, reason, rule):
    with opened(demo) as db:
        with pytest.raises(settings.RulesError) as refused:
            settings.update_rules(db, ADMIN, {"cadence_a": 5, **changes})
        assert (refused.value.reason, refused.value.params["rule"]) == (reason, rule)
        assert settings.rules(db).cadence_a == 7  # the valid change in the same save was not written either


def test_the_rules_page_shows_every_rule_and_saves_a_change(demo):
    app = app_for(demo, "wanghaitao")
    app.switch_page("pages/rules.py").run()
    assert len(app.number_input) == len(RULES)
    app.number_input(key="rules.cadence_b").set_value(10)
    next(b for b in app.button if b.label == "保存规则").click().run()
    assert [s.value for s in app.success] == ["已保存 1 项规则。"]
    with opened(demo) as db:
        assert settings.rules(db).cadence_b == 10


def test_the_rules_page_names_the_rule_a_refusal_is_about(demo):
    app = app_for(demo, "admin")
    app.switch_page("pages/rules.py").run()
    app.number_input(key="rules.grade_b").set_value(16)
    next(b for b in app.button if b.label == "保存规则").click().run()
    assert app.error[0].value == "「B级（持续培育）最低总分」必须低于 A级的最低总分。"


def test_a_salesperson_sees_the_rules_but_cannot_change_them(demo):
    app = app_for(demo, "lina")
    app.switch_page("pages/rules.py").run()
    assert all(box.disabled for box in app.number_input)
    assert not [b for b in app.button if b.label == "保存规则"]


def test_the_readme_lists_every_rule_with_its_default():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for rule in RULES:
        assert f" | {rule.label.zh} | {rule.default} {rule.unit.zh} |" in readme, rule.key
