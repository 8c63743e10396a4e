"""附件 in a record's detail: each attachment field lists its files (a thumbnail for images, a download
button for every file, a delete button) and takes uploads.

Nothing a person uploaded is ever rendered as it came: a picture is shown only
as the thumbnail ``db.attachments`` re-encoded from a PNG, JPEG, GIF or WebP
(known by its bytes), and every file — SVG and HTML included — is handed out
only as a download of type ``application/octet-stream`` under a cleaned name.
File names and members' names are shown as plain text. The bytes are read only
when the download button is clicked (deferred), never to draw the page.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import streamlit as st

from db import attachments
from db.access import AccessDenied, Actor
from db.connection import base_path, opened
from schema.model import Table
from ui.i18n import lang, t
from ui.messages import describe, flash
from ui.session import acting
from ui.text import md_escape

THUMBNAIL_WIDTH = 120


def size_text(size: int) -> str:
    """A file size as people read it.

    >>> size_text(900), size_text(34_000), size_text(5_300_000)
    ('900 B', '33 KB', '5.1 MB')
    """
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size // 1024} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def _version_key(key: str) -> str:
    return f"{key}.version"


def _upload(table_name: str, row_id: int, field: str, uploader: str, key: str) -> None:
    """The uploader's callback: the chosen files attached in one save, or refused with the reason."""
    chosen = st.session_state.get(uploader) or []
    if not isinstance(chosen, list):
        chosen = [chosen]
    if not chosen:
        return
    st.session_state[_version_key(key)] = st.session_state.get(_version_key(key), 0) + 1  # a fresh, empty uploader
    limit = attachments.max_upload_mb()
    try:
        for item in chosen:  # refused before the bytes are even read
            if item.size > limit * 1024 * 1024:
                raise attachments.AttachmentError("attachment.too_large", name=attachments.safe_name(item.name),
                                                  limit=limit)
        files = [(item.name, item.getvalue()) for item in chosen]
        with opened(base_path()) as db:
            attachments.add(db, acting(), table_name, row_id, field, files)
    except (attachments.AttachmentError, AccessDenied) as refused:
        flash("error", describe(refused)[0])
        return
    names = t("app.separator").join(attachments.safe_name(item.name) for item in chosen)
    flash("success", md_escape(t("attachments.uploaded", names=names)))


def _delete(attachment_id: int, name: str) -> None:
    try:
        with opened(base_path()) as db:
            attachments.delete(db, acting(), attachment_id)
    except (attachments.AttachmentError, AccessDenied) as refused:
        flash("error", describe(refused)[0])
        return
    flash("success", md_escape(t("attachments.deleted", name=name)))


def download(actor: Actor, attachment_id: int) -> bytes:
    """The bytes of a file, read when its download button is clicked (on Streamlit's download thread)."""
    with opened(base_path()) as db:
        return attachments.content(db, actor, attachment_id)[1]


def _file(item: attachments.Attachment, actor: Actor, key: str) -> None:
    picture, text, get, remove = st.columns([1, 4, 1, 1], vertical_alignment="center")
    if item.thumbnail:  # re-encoded by us from a real PNG/JPEG/GIF/WebP: never the uploaded bytes
        picture.image(item.thumbnail, width=THUMBNAIL_WIDTH)
    else:
        picture.markdown(":material/description:")
    text.text(item.name)
    text.caption(md_escape(t("attachments.meta", size=size_text(item.size), who=item.uploaded_by or "—",
                             when=item.uploaded_at[:16])))
    get.download_button(t("attachments.download"), data=partial(download, actor, item.id), file_name=item.name,
                        mime=attachments.DOWNLOAD_TYPE, key=f"{key}.get.{item.id}", on_click="ignore",
                        icon=":material/download:")
    remove.button(t("attachments.delete"), key=f"{key}.del.{item.id}", on_click=_delete, args=(item.id, item.name),
                  icon=":material/delete:")


def section(table: Table, row_id: int, actor: Actor, *, key: str) -> None:
    """Every visible 附件 field of row ``row_id``: its files and an uploader (nothing if the table has none)."""
    shown = [c for c in attachments.fields_of(table) if not c.hidden]
    if not shown:
        return
    with opened(base_path()) as db:
        files = {c.name: attachments.listing(db, actor, table.name, row_id, c.name) for c in shown}
    limit = attachments.max_upload_mb()
    for column in shown:
        field_key = f"{key}.{column.name}"
        st.subheader(md_escape(column.label.get(lang())))
        if not files[column.name]:
            st.caption(t("attachments.none"))
        for item in files[column.name]:
            _file(item, actor, field_key)
        uploader = f"{field_key}.upload.v{st.session_state.get(_version_key(field_key), 0)}"
        st.file_uploader(t("attachments.upload"), accept_multiple_files=True, key=uploader,
                         help=t("attachments.upload_help", limit=limit), on_change=_upload,
                         args=(table.name, row_id, column.name, uploader, field_key))
        st.caption(t("attachments.limit", limit=limit))


def row_label(table: Table, row: dict[str, Any]) -> str:
    """How a row is named in the row picker: its label and number."""
    return f"{row.get(table.label_column) or '—'} · #{row['id']}"


def picker(table: Table, rows: list[dict[str, Any]], actor: Actor, *, key: str) -> None:
    """For tables without a detail (follow-ups, added tables): 附件 of one row of the page shown, picked by name."""
    if not [c for c in attachments.fields_of(table) if not c.hidden] or not rows:
        return
    with st.expander(t("attachments.title"), icon=":material/attach_file:"):
        labels = {row["id"]: row_label(table, row) for row in rows}
        chosen = st.selectbox(t("attachments.pick"), list(labels), format_func=labels.get, key=f"{key}.row")
        if chosen is not None:
            section(table, int(chosen), actor, key=f"{key}.{chosen}")
