"""Lead scoring, the follow-up cadence and the urgency classes (issue 5, rules 1–3), at their boundaries:
a score of exactly 15 is A, a customer is due exactly its grade's days after the last follow-up, and the
rules page's numbers move them."""

from __future__ import annotations

import datetime as dt

import pytest

from db import settings
from db.changes import ChangeSet, RowEdit, apply
from db.errors import InvalidChanges
from db.queries import Filter, Query, fetch_page, get_row
from tests.conftest import ADMIN, TODAY


def row(db, customer: int) -> dict:
    return get_row(db, "customers", customer, actor=ADMIN, today=TODAY)


def scores(total: int) -> dict:
    """Four scores of 1–5 adding up to ``total`` (4–20)."""
    parts, left = [], total
    for remaining in (3, 2, 1, 0):
        part = min(5, left - remaining)
        parts.append(part)
        left -= part
    return dict(zip(("score_need", "score_budget", "score_decision", "score_urgency"), parts, strict=True))


@pytest.mark.parametrize(("total", "grade"), [(20, "A"), (15, "A"), (14, "B"), (10, "B"), (9, "C"), (4, "C")])
def test_the_score_is_the_sum_of_four_and_the_grade_follows_the_cuts(db, make_customer, total, grade):
    customer = make_customer(**scores(total))
    assert (row(db, customer)["lead_score"], row(db, customer)["score_grade"]) == (total, grade)


def test_no_score_and_no_grade_until_all_four_are_given(db, make_customer):
    customer = make_customer(score_need=5, score_budget=5, score_decision=5)
    assert (row(db, customer)["lead_score"], row(db, customer)["score_grade"]) == (None, None)


@pytest.mark.parametrize("bad", [0, 6, "五", 2.5])
def test_a_score_outside_one_to_five_is_refused(db, make_customer, bad):
    customer = make_customer()
    with pytest.raises(InvalidChanges) as refused:
        apply(db, ChangeSet("customers", edits=(RowEdit(customer, 1, {"score_need": bad}),)), actor=ADMIN)
    assert refused.value.problems[0].column == "score_need"


def test_the_cuts_come_from_the_rules_page(db, make_customer):
    customer = make_customer(**scores(14))
    assert row(db, customer)["score_grade"] == "B"
    settings.update_rules(db, ADMIN, {"grade_a": 14})
    assert row(db, customer)["score_grade"] == "A"


def test_sorting_and_filtering_by_score_grade(db, make_customer):
    a, b, c = (make_customer(**scores(total)) for total in (16, 12, 5))
    make_customer()  # not scored
    found = fetch_page(db, Query("customers", filters=(Filter("score_grade", "in", ("A", "B")),)), actor=ADMIN)
    assert {r["id"] for r in found} == {a, b}
    ordered = fetch_page(db, Query("customers", sort="lead_score", descending=True), actor=ADMIN)
    assert [r["id"] for r in ordered][:3] == [a, b, c]


@pytest.mark.parametrize(("grade_fields", "days"), [
    (scores(18), 7),                          # A by score: weekly
    (scores(12), 14),                         # B: every two weeks
    (scores(6), 30),                          # C: monthly
    ({"grade": "A"}, 7),                      # not scored: 潜力等级 decides
    ({"grade": "B", **scores(6)}, 30),        # the score grade wins over 潜力等级
    ({}, 30),                                 # neither: C
])
def test_the_next_follow_up_is_due_the_grades_days_after_the_last(db, make_customer, make_follow_up, grade_fields,
                                                                   days):
    customer = make_customer(**grade_fields)
    make_follow_up(customer, time="2026-11-10 09:30")
    assert row(db, customer)["due_on"] == (dt.date(2026, 11, 10) + dt.timedelta(days=days)).isoformat()


def test_a_planned_next_follow_up_comes_first_and_the_latest_plan_counts(db, make_customer, make_follow_up):
    customer = make_customer(grade="C")
    make_follow_up(customer, time="2026-11-01 10:00", next_follow_up_on="2026-11-30")
    make_follow_up(customer, time="2026-11-10 10:00", next_follow_up_on="2026-11-12")  # missed: still due
    assert row(db, customer)["due_on"] == "2026-11-12"


def test_a_customer_never_followed_up_is_due_from_the_day_it_was_created(db, make_customer):
    customer = make_customer()
    created = row(db, customer)["created_on"]
    assert row(db, customer)["due_on"] == created


def test_the_cadence_comes_from_the_rules_page(db, make_customer, make_follow_up):
    customer = make_customer(grade="A")
    make_follow_up(customer, time="2026-11-10 09:30")
    settings.update_rules(db, ADMIN, {"cadence_a": 3})
    assert row(db, customer)["due_on"] == "2026-11-13"


@pytest.mark.parametrize(("due", "urgency"), [
    ("2026-11-01", "urgent"),   # overdue
    ("2026-11-29", "urgent"),   # TODAY + 7
    ("2026-11-30", "soon"),     # + 8
    ("2026-12-22", "soon"),     # + 30
    ("2026-12-23", "later"),    # + 31
    ("2027-02-20", "later"),    # + 90
    ("2027-02-21", "slow"),     # + 91
])
def test_the_urgency_class_follows_the_days_until_due(db, make_customer, make_follow_up, due, urgency):
    customer = make_customer()
    make_follow_up(customer, time="2026-10-01 10:00", next_follow_up_on=due)
    assert row(db, customer)["urgency_class"] == urgency


def test_urgency_classes_filter_in_sql(db, make_customer, make_follow_up):
    soon = make_customer()
    make_follow_up(soon, time="2026-10-01 10:00", next_follow_up_on="2026-12-10")
    make_customer()  # never followed up: due since today, urgent
    found = fetch_page(db, Query("customers", filters=(Filter("urgency_class", "in", ("soon",)),)), actor=ADMIN,
                       today=TODAY)
    assert [r["id"] for r in found] == [soon]
