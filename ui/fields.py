"""The 字段 panel beside a grid (administrators): add, rename, hide, move, delete and restore fields.

Every button is a callback that calls ``db.fields`` as the member logged in
now and flashes what happened or why not; the grid below picks the change up
on the rerun (its editor key carries the columns).
"""

from __future__ import annotations

import streamlit as st

from db import conversions, fields
from db.access import AccessDenied, Actor
from db.connection import base_path, opened
from schema.fields import AGGREGATES, CONVERTIBLE_KINDS, DEFAULT_NUMBER_FORMAT, KINDS, kind
from schema.model import Column, Table
from schema.types import NOW, AutoNumber, Checkbox, Choice, Formula, Link, Lookup, MultiChoice, Rollup
from ui.i18n import lang, t
from ui.messages import describe, flash
from ui.schema import current_base
from ui.session import acting
from ui.text import md_escape


def _key(table: Table, name: str) -> str:
    return f"fields.{table.name}.{name}"


def _kind_key(table: Table) -> str:
    # Per language: the options' labels change with it, and a select keeps its choice by label.
    return _key(table, f"new_kind.{lang()}")


def _run(action, done: str | None = None, **params) -> bool:
    """Call ``action(db, actor)``; flash ``done`` or the refusal. Return whether it went through."""
    try:
        actor = acting()
        with opened(base_path()) as db:
            action(db, actor)
    except (fields.FieldError, AccessDenied) as refused:
        flash("error", describe(refused)[0])
        return False
    if done:
        flash("success", md_escape(t(done, **params)))
    return True


def _add(table: Table) -> None:
    state = st.session_state
    label, kind_code = state.get(_key(table, "new_label"), ""), state.get(_kind_key(table), "text")
    options = [line for line in state.get(_key(table, "new_options"), "").splitlines() if line.strip()]
    required = bool(state.get(_key(table, "new_required")))
    formula = state.get(_key(table, "new_formula"), "")
    lookup = (state.get(_key(table, "lookup_via")), state.get(_key(table, f"lookup_column.{lang()}")))
    source = state.get(_key(table, "rollup_source")) or "|"
    condition_column = state.get(_key(table, f"rollup_if.{lang()}"))
    rollup = {"table": source.split("|")[0], "via": source.split("|")[1],
              "aggregate": state.get(_key(table, f"rollup_aggregate.{lang()}"), "count"),
              "column": state.get(_key(table, f"rollup_column.{lang()}")),
              "condition": [condition_column, state.get(_key(table, f"rollup_value.{lang()}"))]
              if condition_column else None}
    if _run(lambda db, actor: fields.add_field(db, actor, table.name, label, kind_code, options=options,
                                               required=required, formula=formula, lookup=lookup,
                                               rollup=rollup, link=state.get(_key(table, f"link_target.{lang()}")),
                                               number_format=state.get(_key(table, "new_format"), ""),
                                               default=state.get(_key(table, "new_default"), ""),
                                               multiple=bool(state.get(_key(table, "link_multiple")))),
            "fields.added", label=label.strip()):
        for name in ("new_label", "new_options", "new_formula", "new_default"):
            state[_key(table, name)] = ""


def _save(table: Table, column: Column) -> None:
    state = st.session_state
    changes = {}
    prefix = f"{column.name}.{lang()}"
    label = state.get(_key(table, f"{prefix}.label"), "")
    if label != column.label.get(lang()):
        changes["label"] = label
    help_text = state.get(_key(table, f"{prefix}.help"), "")
    if help_text != (column.help.get(lang()) if column.help else ""):
        changes["help_text"] = help_text
    shown = state.get(_key(table, f"{prefix}.shown"), True)
    if shown == column.hidden:
        changes["hidden"] = not shown
    if isinstance(column.type, Formula):
        formula = state.get(_key(table, f"{prefix}.formula"), "")
        if formula != fields.formula_text(table, column.type.expression, lang()):
            changes["formula"] = formula
    if _is_added(column):
        required = state.get(_key(table, f"{prefix}.required"), False)
        if required != column.required and _typed(column):
            changes["required"] = required
        default = state.get(_key(table, f"{prefix}.default"), "").strip()
        if _typed(column) and default != _default_text(column):
            changes.update(default=default) if default else changes.update(clear_default=True)
        if isinstance(column.type, AutoNumber):
            number_format = state.get(_key(table, f"{prefix}.format"), "")
            if number_format != column.type.pattern:
                changes["number_format"] = number_format
    if _has_options(column):
        lines = [line for line in state.get(_key(table, f"{prefix}.options"), "").splitlines() if line.strip()]
        if lines != _option_lines(column):
            changes["options"] = lines
    if changes:
        _run(lambda db, actor: fields.update_field(db, actor, table.name, column.name, lang=lang(), **changes),
             "fields.saved")


def _convert(table: Table, column: Column) -> None:
    target = st.session_state.get(_key(table, f"{column.name}.{lang()}.kind"))
    done: list[conversions.Conversion] = []
    if _run(lambda db, actor: done.append(conversions.change_kind(db, actor, table.name, column.name, target))):
        result = done[0]
        examples = "（" + "、".join(result.examples) + "…）" if result.examples else ""
        text = t("fields.converted", label=column.label.get(lang()), kind=kind(target).label.get(lang()),
                 converted=result.converted, kept=result.kept, examples=examples)
        if result.shortened:
            text += " " + t("fields.shortened", count=result.shortened)
        flash("warning" if result.kept or result.shortened else "success", md_escape(text))


def _has_options(column: Column) -> bool:
    """Whether the panel edits this field's options: a select people type into, added or built-in (a computed
    one such as 评分等级 has none to edit)."""
    return isinstance(column.type, Choice) and column.editable


def _option_lines(column: Column) -> list[str]:
    """The options as the box shows them: their labels in the language read now, each language its own."""
    return [option.label.get(lang()) for option in column.type.options]


def _typed(column: Column) -> bool:
    """Whether people type this field's values (so it can be required and have a default)."""
    return column.editable and not isinstance(column.type, Link)


def _default_text(column: Column) -> str:
    if column.default is None:
        return ""
    if column.default == NOW:
        return t("fields.today")
    if isinstance(column.type, MultiChoice):
        return "，".join(column.type.label(code, lang()) for code in MultiChoice.codes(column.default))
    if isinstance(column.type, Choice):
        return column.type.label(column.default, lang())
    if isinstance(column.type, Checkbox):
        return t("fields.yes") if column.default else t("fields.no")
    return str(column.default)


def _move(table: Table, column: Column, steps: int) -> None:
    _run(lambda db, actor: fields.move_field(db, actor, table.name, column.name, steps))


def _move_to(table: Table, column: Column) -> None:
    """移到…: to the front, or just after the field picked, in one step."""
    after = st.session_state.get(_key(table, f"{column.name}.{lang()}.place")) or None
    label = column.label.get(lang())
    if after is None:
        _run(lambda db, actor: fields.move_field_after(db, actor, table.name, column.name, None), "fields.moved_front",
             label=label)
    elif table.has_column(after):
        _run(lambda db, actor: fields.move_field_after(db, actor, table.name, column.name, after), "fields.moved",
             label=label, after=table.column(after).label.get(lang()))


def _delete(table: Table, column: Column) -> None:
    _run(lambda db, actor: fields.delete_field(db, actor, table.name, column.name), "fields.deleted",
         label=column.label.get(lang()))


def _restore(table: Table, name: str, label: str) -> None:
    _run(lambda db, actor: fields.restore_field(db, actor, table.name, name), "fields.restored", label=label)


def _is_added(column: Column) -> bool:
    return column.name.startswith("f") and column.name[1:].isdigit()


def kind_of(column: Column):
    """The kind an added field was made as (``None`` for built-in columns)."""
    if not _is_added(column):
        return None
    if isinstance(column.type, Formula):
        return kind("formula")
    if isinstance(column.type, Lookup):
        return kind("lookup")
    if isinstance(column.type, Rollup):
        return kind("rollup")
    if isinstance(column.type, Link):
        return kind("person" if column.type.table == "users" else "link")
    if isinstance(column.type, AutoNumber):
        return kind("autonumber")
    for candidate in KINDS:
        made = candidate.make(getattr(column.type, "options", ()))
        if made == column.type:
            return candidate
    return None


def panel(table: Table, actor: Actor) -> None:
    """The 字段 expander, for those who may change the schema (nothing for others)."""
    if not actor.can("manage_schema"):
        return
    with st.expander(t("fields.button"), icon=":material/view_column:"):
        st.caption(t("fields.help"))
        _add_form(table)
        _edit_form(table)
        _trash(table)


def _add_form(table: Table) -> None:
    st.markdown(f"**{t('fields.add')}**")
    name_cell, kind_cell, required_cell = st.columns([3, 2, 1])
    name_cell.text_input(t("fields.new_label"), key=_key(table, "new_label"), max_chars=fields.MAX_LABEL)
    # Labels worked out now (a select's labels must not depend on when they are read).
    kinds = {k.code: k.label.get(lang()) for k in KINDS}
    kind_cell.selectbox(t("fields.new_kind"), list(kinds), key=_kind_key(table), format_func=kinds.get)
    required_cell.checkbox(t("fields.new_required"), key=_key(table, "new_required"))
    chosen_kind = st.session_state.get(_kind_key(table), "text")
    if kind(chosen_kind).has_options:
        st.text_area(t("fields.new_options"), key=_key(table, "new_options"), height=90)
    if chosen_kind == "autonumber":
        st.text_input(t("fields.number_format"), value=DEFAULT_NUMBER_FORMAT, key=_key(table, "new_format"),
                      help=t("fields.number_format_help"), max_chars=40)
    if chosen_kind not in (*fields.UNTYPED_KINDS, "link", "person"):
        st.text_input(t("fields.default"), key=_key(table, "new_default"), help=t("fields.default_help"))
    if chosen_kind == "formula":
        st.text_input(t("fields.formula"), key=_key(table, "new_formula"), help=t("fields.formula_help"),
                      placeholder="{预计成交金额} * {赢率} / 100")
    if chosen_kind == "link":
        targets = {other.name: other.label.get(lang()) for other in current_base().tables if other.name != "users"}
        target_cell, multiple_cell = st.columns([3, 2], vertical_alignment="bottom")
        target_cell.selectbox(t("fields.link_target"), list(targets), format_func=targets.get,
                              key=_key(table, f"link_target.{lang()}"))
        multiple_cell.checkbox(t("fields.link_multiple"), key=_key(table, "link_multiple"),
                               help=t("fields.link_multiple_help"))
    if chosen_kind == "lookup":
        _lookup_inputs(table)
    if chosen_kind == "rollup":
        _rollup_inputs(table)
    st.button(t("fields.add"), on_click=_add, args=(table,), key=_key(table, "add"), type="primary",
              icon=":material/add:")


def _labels(columns) -> dict[str, str]:
    return {column.name: column.label.get(lang()) for column in columns}


def _lookup_inputs(table: Table) -> None:
    base = current_base()
    links = {c.name: c for c in table.columns if isinstance(c.type, Link)}
    if not links:
        st.info(t("fields.no_links"))
        return
    via_cell, column_cell = st.columns(2)
    names = _labels(links.values())
    via = via_cell.selectbox(t("fields.lookup_via"), list(names), format_func=names.get,
                             key=_key(table, "lookup_via"))
    target = base.table(links[via].type.table)
    columns = _labels(c for c in target.columns if c.name != "id")
    column_cell.selectbox(t("fields.lookup_column"), list(columns), format_func=columns.get,
                          key=_key(table, f"lookup_column.{lang()}"))


def _rollup_inputs(table: Table) -> None:
    base = current_base()
    sources = {f"{other.name}|{column.name}": f"{other.label.get(lang())} · {column.label.get(lang())}"
               for other, column in base.links_to(table.name)}
    if not sources:
        st.info(t("fields.no_sources"))
        return
    source_cell, aggregate_cell, column_cell = st.columns(3)
    chosen = source_cell.selectbox(t("fields.rollup_source"), list(sources), format_func=sources.get,
                                   key=_key(table, "rollup_source"))
    source = base.table(chosen.split("|")[0])
    aggregates = {code: label.get(lang()) for code, label in AGGREGATES.items()}
    aggregate = aggregate_cell.selectbox(t("fields.rollup_aggregate"), list(aggregates),
                                         format_func=aggregates.get, key=_key(table, f"rollup_aggregate.{lang()}"))
    if aggregate != "count":
        columns = _labels(c for c in source.columns if not isinstance(c.type, Link))
        column_cell.selectbox(t("fields.rollup_column"), list(columns), format_func=columns.get,
                              key=_key(table, f"rollup_column.{lang()}"))
    selects = {c.name: c for c in source.columns if isinstance(c.type, Choice) and not isinstance(c.type, MultiChoice)}
    if_cell, value_cell = st.columns(2)
    names = {"": t("fields.rollup_all"), **_labels(selects.values())}
    condition = if_cell.selectbox(t("fields.rollup_if"), list(names), format_func=names.get,
                                  key=_key(table, f"rollup_if.{lang()}"))
    if condition:
        options = {o.code: o.label.get(lang()) for o in selects[condition].type.options}
        value_cell.selectbox(t("fields.rollup_value"), list(options), format_func=options.get,
                             key=_key(table, f"rollup_value.{lang()}"))


def _edit_form(table: Table) -> None:
    st.divider()
    names = [column.name for column in table.columns]
    labels = {column.name: _describe(column) for column in table.columns}
    chosen = st.selectbox(t("fields.title", table=table.label.get(lang())), names,
                          key=_key(table, f"chosen.{lang()}"), format_func=labels.get)
    column = table.column(chosen)
    prefix = f"{column.name}.{lang()}"  # per language: the boxes show that language's label and help
    label_cell, shown_cell = st.columns([4, 1])
    label_cell.text_input(t("fields.label"), value=column.label.get(lang()), key=_key(table, f"{prefix}.label"),
                          max_chars=fields.MAX_LABEL)
    shown_cell.checkbox(t("fields.shown"), value=not column.hidden, key=_key(table, f"{prefix}.shown"),
                        disabled=column.name == table.label_column)
    st.text_input(t("fields.help_text"), value=column.help.get(lang()) if column.help else "",
                  key=_key(table, f"{prefix}.help"))
    if _is_added(column):
        if _typed(column):
            required_cell, default_cell = st.columns([1, 3])
            required_cell.checkbox(t("fields.new_required"), value=column.required,
                                   key=_key(table, f"{prefix}.required"))
            default_cell.text_input(t("fields.default"), value=_default_text(column),
                                    key=_key(table, f"{prefix}.default"), help=t("fields.default_help"))
        if isinstance(column.type, AutoNumber):
            st.text_input(t("fields.number_format"), value=column.type.pattern, key=_key(table, f"{prefix}.format"),
                          help=t("fields.number_format_help"), max_chars=40)
        if isinstance(column.type, Formula):
            st.text_input(t("fields.formula"), value=fields.formula_text(table, column.type.expression, lang()),
                          key=_key(table, f"{prefix}.formula"), help=t("fields.formula_help"))
    if _has_options(column):
        st.text_area(t("fields.options"), value="\n".join(_option_lines(column)), key=_key(table, f"{prefix}.options"),
                     height=150 if len(column.type.options) > 4 else 90,
                     help=t("fields.options_help" if _is_added(column) else "fields.options_builtin_help"))
    save, left, right, delete, _ = st.columns([2, 1, 1, 1, 2])
    save.button(t("fields.save"), on_click=_save, args=(table, column), key=_key(table, f"{prefix}.save"),
                type="primary")
    left.button(t("fields.left"), on_click=_move, args=(table, column, -1), key=_key(table, f"{prefix}.left"),
                icon=":material/chevron_left:")
    right.button(t("fields.right"), on_click=_move, args=(table, column, 1), key=_key(table, f"{prefix}.right"),
                 icon=":material/chevron_right:")
    if _is_added(column):
        delete.button(t("fields.delete"), on_click=_delete, args=(table, column), key=_key(table, f"{prefix}.del"),
                      icon=":material/delete:")
    _place_form(table, column, prefix)
    made = kind_of(column)
    if made is not None and made.code in CONVERTIBLE_KINDS:
        kinds = {k.code: k.label.get(lang()) for k in KINDS if k.code in CONVERTIBLE_KINDS and k.code != made.code}
        kind_cell, convert_cell = st.columns([3, 2], vertical_alignment="bottom")
        kind_cell.selectbox(t("fields.change_kind"), list(kinds), format_func=kinds.get,
                            key=_key(table, f"{prefix}.kind"), help=t("fields.convert_help"))
        convert_cell.button(t("fields.convert"), on_click=_convert, args=(table, column),
                            key=_key(table, f"{prefix}.convert"), icon=":material/swap_horiz:")


def _place_form(table: Table, column: Column, prefix: str) -> None:
    """移到…: pick 最前面 or the field to come after (the one before it now, to start with), then 移动."""
    names = [c.name for c in table.columns]
    index = names.index(column.name)
    places = {"": t("fields.move_front"), **{c.name: t("fields.move_after", label=c.label.get(lang()))
                                              for c in table.columns if c.name != column.name}}
    place_cell, move_cell = st.columns([3, 1], vertical_alignment="bottom")
    place_cell.selectbox(t("fields.move_to"), list(places), index=list(places).index(names[index - 1]) if index else 0,
                         format_func=places.get, key=_key(table, f"{prefix}.place"))
    move_cell.button(t("fields.move"), on_click=_move_to, args=(table, column), key=_key(table, f"{prefix}.move"),
                     icon=":material/low_priority:")


def _describe(column: Column) -> str:
    made = kind_of(column)
    what = made.label.get(lang()) if made else t("fields.builtin")
    hidden = "" if not column.hidden else " · " + t("fields.hidden")
    return f"{column.label.get(lang())} ({what}){hidden}"


def _trash(table: Table) -> None:
    with opened(base_path()) as db:
        gone = fields.deleted_fields(db, table.name)
    if not gone:
        return
    st.divider()
    st.markdown(f"**{t('fields.trash')}**")
    for spec in gone:
        text, action = st.columns([5, 1])
        label = spec.label.get(lang()) if spec.label else spec.name
        text.markdown(md_escape(f"{label} ({kind(spec.kind).label.get(lang())})"))
        action.button(t("fields.restore"), key=_key(table, f"restore.{spec.name}"), on_click=_restore,
                      args=(table, spec.name, label))
