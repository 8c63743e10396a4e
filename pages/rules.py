"""规则: the numbers behind lead scoring, cadence, the 公海 pool, win rates, tiers and churn risk.

Everyone reads them; managers and administrators change them. Derived from
``schema/rules.py``; saved through ``db.settings.update_rules``, which
checks every value and refuses contradictions before writing anything.
"""

import streamlit as st

from db import settings
from db.access import AccessDenied
from db.connection import base_path, opened
from schema.rules import GROUPS, RULES
from ui.entry import through_app
from ui.i18n import lang, t
from ui.messages import describe, flash, show_flashes
from ui.session import acting, signed_in
from ui.text import md_escape


def _key(name: str) -> str:
    return f"rules.{name}"


def _save(current: dict[str, int]) -> None:
    changes = {r.key: st.session_state[_key(r.key)] for r in RULES
               if st.session_state.get(_key(r.key)) is not None and st.session_state[_key(r.key)] != current[r.key]}
    if not changes:
        flash("info", t("rules.unchanged"))
        return
    try:
        with opened(base_path()) as db:
            settings.update_rules(db, acting(), changes)
    except (settings.RulesError, AccessDenied) as refused:
        flash("error", describe(refused)[0])
        return
    flash("success", t("rules.saved", count=len(changes)))


through_app()
actor = signed_in()
show_flashes()
st.title(t("rules.title"))
st.caption(t("rules.caption"))
with opened(base_path()) as db:
    current = dict(settings.rules(db).values)
editable = actor.can("manage_rules")
if not editable:
    st.info(t("rules.read_only"))
for group, title in GROUPS.items():
    st.subheader(title.get(lang()))
    mine = [r for r in RULES if r.group == group]
    cells = st.columns(min(len(mine), 3))
    for index, spec in enumerate(mine):
        with cells[index % len(cells)]:
            st.number_input(f"{md_escape(spec.label.get(lang()))}（{spec.unit.get(lang())}）",
                            min_value=spec.minimum, max_value=spec.maximum, step=1, value=current[spec.key],
                            key=_key(spec.key), disabled=not editable,
                            help=md_escape(spec.help.get(lang())) if spec.help else None)
if editable:
    st.button(t("rules.save"), type="primary", on_click=_save, args=(current,), key="rules.save_button")
