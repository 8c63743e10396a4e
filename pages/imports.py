"""导入: a file of customers, follow-ups or an added table's rows — mapped, previewed, then written as one change."""

import datetime as dt

import streamlit as st

from exports import file_name
from imports import ImportFileError
from imports.template import template
from ui import imports as wizard
from ui.entry import through_app
from ui.i18n import lang, t
from ui.messages import show_flashes
from ui.schema import current_base
from ui.session import signed_in
from ui.tables import openable
from ui.text import md_escape

through_app()
actor = signed_in()
show_flashes()
st.title(t("imports.title"))
base = current_base()
tables = openable(base)
if (done := wizard.result()) is not None:
    st.success(t("imports.done", added=done.added, updated=done.updated, skipped=done.skipped))

# ① the table and the file
st.subheader(t("imports.step_file"))
names = [table.name for table in tables]
table = base.table(st.selectbox(t("imports.table"), names, key="imports.table",
                                format_func=lambda name: wizard.table_label(name, tables)))
# Made only when clicked (not on every run of the wizard), in the language chosen now; no rerun on the click
language = lang()
st.download_button(t("imports.template"), data=lambda chosen=table, words=language: template(chosen, words),
                   file_name=file_name(t("imports.template_name", table=table.label.get(language)), dt.date.today(),
                                       "xlsx"),
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="imports.template",
                   on_click="ignore")
upload = st.file_uploader(t("imports.file"), type=["xlsx", "xls", "csv"],
                          key=f"imports.file.{st.session_state.get('imports.upload_round', 0)}")
if upload is None:
    st.caption(t("imports.file_help"))
else:
    data = upload.getvalue()
    try:
        found = wizard.sheets(data, upload.name)
        sheet = st.selectbox(t("imports.sheet"), found, key=f"imports.sheet.{wizard.signature(data)}") \
            if len(found) > 1 else None
        raw = wizard.raw_table(data, upload.name, sheet, table)
    except ImportFileError as error:
        st.error(wizard.file_error(error))
        raw = None
    if raw is not None:
        st.caption(md_escape(t("imports.read", sheet=raw.sheet, header=raw.header_row, rows=len(raw.rows))))
        # ② the mapping
        st.subheader(t("imports.step_mapping"))
        options = wizard.choices(table, actor.can("manage_schema"))
        suggested = wizard.suggestions(raw, table)
        key = wizard.signature(data, table.name, raw.sheet)
        mapping = []
        for index, header in enumerate(raw.headers):
            left, right = st.columns([1, 2])
            left.markdown(md_escape(header or t("imports.no_header", number=index + 1)))
            mapping.append(right.selectbox(header or str(index + 1), options, index=options.index(suggested[index]),
                                           format_func=lambda name: wizard.choice_label(table, name),
                                           key=f"imports.map.{key}.{index}", label_visibility="collapsed"))
        if wizard.NEW_COLUMN in mapping:
            st.button(t("imports.create_columns"), key="imports.create", on_click=wizard.create_columns,
                      args=(table, raw.headers, key, actor))
        mapping = [name if name != wizard.NEW_COLUMN else wizard.SKIP_COLUMN for name in mapping]
        if not any(mapping):
            st.warning(t("imports.nothing_mapped"))
            st.stop()
        # ③ the preview
        st.subheader(t("imports.step_preview"))
        plan = wizard.current_plan(raw, table, mapping, actor)
        chosen = wizard.decisions(plan)
        counts = plan.counts(chosen)
        added, updated, skipped = st.columns(3)
        added.metric(t("imports.added"), counts.added)
        updated.metric(t("imports.updated"), counts.updated)
        skipped.metric(t("imports.skipped"), counts.skipped)
        if not plan.near_checked:
            st.info(t("imports.near_skipped", limit=wizard.core.NEAR_LIMIT))
        if plan.problems:
            st.warning(t("imports.problem_count", count=len(plan.problems), rows=len(plan.problem_rows)))
            st.dataframe(wizard.problems_frame(plan, table), hide_index=True, width="stretch")
            st.download_button(t("imports.download_problems"), wizard.problems_csv(plan, table),
                               file_name="导入问题清单.csv", mime="text/csv", key="imports.problems_csv")
        if plan.problem_rows or plan.excluded:
            st.caption(t("imports.fix_help"))
            frame, numbers = wizard.fix_frame(raw, table, mapping, plan)
            labels = {table.column(n).label.get(lang()): n for n in mapping if table.has_column(n)}
            grid_key = f"imports.fix.{plan.total}.{len(plan.problems)}.{len(plan.excluded)}.{hash(tuple(numbers))}"
            st.data_editor(frame, key=grid_key, hide_index=True, width="stretch",
                           disabled=[t("imports.col_row")], on_change=wizard.save_fixes,
                           args=(grid_key, numbers, labels))
        if plan.groups:
            st.markdown("**" + md_escape(t("imports.groups", count=len(plan.groups))) + "**")
            if len(plan.groups) > wizard.GROUPS_SHOWN:
                st.radio(t("imports.rest"), [wizard.core.SKIP, wizard.core.ADD], horizontal=True,
                         format_func=wizard.decision_label, key="imports.rest")
            for group in plan.groups[:wizard.GROUPS_SHOWN]:
                with st.container(border=True):
                    why = t("app.separator").join(t(f"imports.reason_{r}") for r in group.reasons)
                    rows = t("app.separator").join(str(r) for r in group.rows)
                    st.markdown(md_escape(t("imports.group", rows=rows, reasons=why)))
                    for existing in group.existing:
                        st.markdown("· " + wizard.existing_text(existing))
                    st.radio(t("imports.decision"), group.choices, horizontal=True, format_func=wizard.decision_label,
                             key=f"imports.group.{group.id}")
        # ④ the import
        st.button(t("imports.run", count=counts.added + counts.updated), type="primary", key="imports.run",
                  disabled=not (counts.added or counts.updated), on_click=wizard.ask_to_write)
        if wizard.asked_to_write():  # drawn here, in the script, so the progress bar shows as it fills
            bar = st.progress(0.0, text=t("imports.writing"))
            refused = wizard.write(plan, chosen, upload.name, actor,
                                   lambda share: bar.progress(min(1.0, share), text=t("imports.writing")))
            for message in refused:
                st.error(message)
            if not refused:
                st.rerun()

st.subheader(t("imports.history"))
records = wizard.history(actor)
if not records:
    st.caption(t("imports.no_history"))
for record in records:
    text, action = st.columns([4, 1])
    text.markdown(md_escape(t("imports.record", at=record.at, who=record.user or "", file=record.file_name,
                              table=wizard.table_label(record.table, tables), added=record.added,
                              updated=record.updated, skipped=record.skipped))
                  + (" · " + t("imports.was_undone") if record.undone else ""))
    if not record.undone and record.change_id is not None:
        action.button(t("imports.undo"), key=f"imports.undo.{record.id}", on_click=wizard.undo,
                      args=(record.id, actor))
