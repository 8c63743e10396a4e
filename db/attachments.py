"""附件: files kept in the base itself (the ``attachments`` table, migration m009), so a snapshot holds them.

A file belongs to one row and one 附件 field of a table. Uploading, deleting
(to the trash) and restoring are writes like any save: the actor is re-read and
their rights and scope checked inside one ``BEGIN IMMEDIATE`` transaction, and
each is recorded in the history as a row of table ``attachments`` (the file's
id, its name, size and the row it belongs to), so the activity log and the
row's 修改记录 show who attached what, 撤销 takes an upload back and 回收站
restores a deleted file.

What a file *is* comes from its first bytes, never from its name or what the
browser said: only PNG, JPEG, GIF and WebP get a thumbnail, re-encoded here with
Pillow under a pixel cap; every file, SVG and HTML included, is only ever handed
out as ``application/octet-stream`` under a cleaned name (:data:`DOWNLOAD_TYPE`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re
import unicodedata
import warnings
from dataclasses import dataclass

import sqlite_utils

from db import access, history
from db.access import Actor
from db.connection import write_transaction
from db.errors import Refused
from db.fields import load_base
from db.queries import quote
from schema.model import Base, Column, Table
from schema.types import Attachments

#: The history's name for entries about files (the file's id is the entry's row).
TABLE = "attachments"
#: Environment variable: the largest file one may upload, in MB (default 20).
MAX_UPLOAD_ENV = "GENJIN_MAX_UPLOAD_MB"
DEFAULT_MAX_UPLOAD_MB = 20
#: Every download is this type, with ``Content-Disposition: attachment``: a browser never renders it.
DOWNLOAD_TYPE = "application/octet-stream"
#: The only kinds that get a thumbnail (as sniffed), and Pillow's name for each.
IMAGE_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WEBP"}
#: A thumbnail's longest side, in pixels, and the largest image (in pixels) one is made of.
THUMBNAIL_SIDE = 240
MAX_PIXELS = 50_000_000
MAX_NAME = 120
_FALLBACK_NAME = "附件"
#: History values of a file: what the activity log shows (never the bytes).
_RECORDED = ("file_name", "size", "media_type", "sha256", "table_name", "row_id", "field")


class AttachmentError(Refused):
    """A file was refused (too large, empty, not found); ``reason`` is a message key. Nothing was written."""


@dataclass(frozen=True)
class Attachment:
    """One file of a row's 附件 field, without its bytes (the thumbnail is a few KB at most)."""

    id: int
    name: str
    media_type: str
    size: int
    sha256: str
    uploaded_at: str
    uploaded_by: str | None
    thumbnail: bytes | None

    @property
    def is_image(self) -> bool:
        """Whether the first bytes say PNG, JPEG, GIF or WebP (only those are ever shown as pictures)."""
        return self.media_type in IMAGE_FORMATS


def max_upload_mb() -> int:
    """The upload limit in MB, from ``GENJIN_MAX_UPLOAD_MB`` (20 unless set to a positive whole number)."""
    try:
        return max(1, int(os.environ.get(MAX_UPLOAD_ENV, DEFAULT_MAX_UPLOAD_MB)))
    except ValueError:
        return DEFAULT_MAX_UPLOAD_MB


def sniff(data: bytes) -> str:
    """The media type the first bytes of ``data`` show; the name and the browser's word are never asked.

    >>> sniff(b"\\x89PNG\\r\\n\\x1a\\n..."), sniff(b"\\xef\\xbb\\xbf  <svg onload=alert(1)>"), sniff(b"%PDF-1.7")
    ('image/png', 'image/svg+xml', 'application/pdf')
    >>> sniff("会议纪要".encode()), sniff(b"\\x00\\x01\\xfe")
    ('text/plain', 'application/octet-stream')
    """
    head = data[:1024]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"PK\x03\x04"):
        return "application/zip"  # also docx, xlsx, pptx
    lowered = head.lower()
    if b"<svg" in lowered:
        return "image/svg+xml"
    if any(tag in lowered for tag in (b"<html", b"<!doctype html", b"<script", b"<body", b"<iframe")):
        return "text/html"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 3:  # not merely a character cut at the end of the sample
            return "application/octet-stream"
    return "text/plain" if b"\x00" not in head else "application/octet-stream"


def safe_name(name: object) -> str:
    """A file name safe to keep and to hand out: no folders, no control or direction characters,
    no characters Windows forbids, at most 120 characters with its extension kept.

    >>> safe_name("../../etc/passwd"), safe_name("C:\\\\Users\\\\名片.jpg"), safe_name("报价\\u202egpj.exe")
    ('passwd', '名片.jpg', '报价gpj.exe')
    >>> safe_name("a\\r\\nb<>:|?*.txt"), safe_name("..."), safe_name("")
    ('ab______.txt', '附件', '附件')
    """
    text = unicodedata.normalize("NFC", str(name or ""))
    text = re.split(r"[\\/]", text)[-1]
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn"))
    text = re.sub(r'[<>:"|?*]', "_", text).strip(" .")
    if not text:
        return _FALLBACK_NAME
    stem, dot, extension = text.rpartition(".")
    if not dot or len(extension) > 10:
        return text[:MAX_NAME]
    return stem[:MAX_NAME - len(extension) - 1] + "." + extension


def thumbnail(data: bytes, media_type: str) -> bytes | None:
    """A small PNG or JPEG of an image (PNG, JPEG, GIF or WebP by its bytes), or ``None``.

    Only the decoder of the sniffed format is tried; an image of more than
    :data:`MAX_PIXELS` pixels (a decompression bomb, or merely a huge scan)
    or one that does not decode gets no thumbnail: it is still kept and
    offered for download.
    """
    image_format = IMAGE_FORMATS.get(media_type)
    if image_format is None:
        return None
    from PIL import Image  # Streamlit's dependency; only needed here

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[image_format]) as image:
                if image.width * image.height > MAX_PIXELS:
                    return None
                image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))  # decodes JPEG at a reduced size (draft)
                clear = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
                small = image.convert("RGBA" if clear else "RGB")
        out = io.BytesIO()
        small.save(out, "PNG" if clear else "JPEG", quality=80)
        return out.getvalue()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        return None


def fields_of(table: Table) -> tuple[Column, ...]:
    """The 附件 fields of ``table``."""
    return tuple(c for c in table.columns if isinstance(c.type, Attachments))


def _check_field(base: Base, table_name: str, field: str) -> None:
    if not base.has_table(table_name) or not any(c.name == field for c in fields_of(base.table(table_name))):
        raise AttachmentError("attachment.no_field")


def _check_row(db: sqlite_utils.Database, actor: Actor, table_name: str, row_id: int) -> None:
    """Raise AccessDenied unless ``actor`` may edit row ``row_id`` (a row they may see, of a table they
    may write), AttachmentError if it is gone. Call inside the write transaction."""
    access.write_rights(actor, table_name, deleting=False)
    access.check_visible(db, actor, table_name, [row_id])
    if not db.execute(f"SELECT 1 FROM {quote(table_name)} WHERE id = ?", [int(row_id)]).fetchone():
        raise AttachmentError("attachment.row_gone")


def _stamp(db: sqlite_utils.Database, actor: Actor, now: dt.datetime | None) -> history.Stamp:
    return history.stamp(db, actor.user_id, (now or dt.datetime.now()).strftime("%Y-%m-%d %H:%M:%S"))


def add(db: sqlite_utils.Database, actor: Actor, table_name: str, row_id: int, field: str,
        files: list[tuple[str, bytes]], *, now: dt.datetime | None = None, base: Base | None = None) -> list[int]:
    """Attach ``files`` (``(name as uploaded, bytes)``) to field ``field`` of a row; return their ids.

    One transaction and one change (one 撤销 takes the whole upload back).
    Raises AttachmentError (a file over the limit or empty: nothing written),
    AccessDenied (a row the actor may not edit).
    """
    base = base or load_base(db)
    _check_field(base, table_name, field)
    limit = max_upload_mb()
    for name, data in files:
        if len(data) > limit * 1024 * 1024:
            raise AttachmentError("attachment.too_large", name=safe_name(name), limit=limit)
        if not data:
            raise AttachmentError("attachment.empty", name=safe_name(name))
    prepared = [(safe_name(name), data, sniff(data)) for name, data in files]
    prepared = [(name, data, kind, thumbnail(data, kind)) for name, data, kind in prepared]  # before the lock
    ids = []
    with write_transaction(db):
        actor = access.resolve(db, actor)
        _check_row(db, actor, table_name, row_id)
        by = _stamp(db, actor, now)
        for name, data, kind, small in prepared:
            values = {"file_name": name, "size": len(data), "media_type": kind,
                      "sha256": hashlib.sha256(data).hexdigest(), "table_name": table_name, "row_id": int(row_id),
                      "field": field}
            attachment_id = db.execute(
                "INSERT INTO attachments (table_name, row_id, field, file_name, media_type, size, sha256, uploaded_at, "
                "uploaded_by, thumbnail, content) VALUES (:table_name, :row_id, :field, :file_name, :media_type, "
                ":size, :sha256, :at, :by, :thumbnail, :content)",
                values | {"at": by.at, "by": actor.user_id, "thumbnail": small, "content": data}).lastrowid
            history.record(db, by, table=TABLE, row_id=attachment_id, action="insert",
                           changes={key: (None, value) for key, value in values.items()})
            ids.append(attachment_id)
    return ids


def listing(db: sqlite_utils.Database, actor: Actor, table_name: str, row_id: int, field: str) -> list[Attachment]:
    """The files of one row's field, oldest first, without their bytes; ``[]`` for a row ``actor`` may not see."""
    if not access.visible_ids(db, actor, table_name, [int(row_id)]):
        return []
    rows = db.execute(
        "SELECT a.id, a.file_name, a.media_type, a.size, a.sha256, a.uploaded_at, u.display_name, a.thumbnail "
        "FROM attachments a LEFT JOIN users u ON u.id = a.uploaded_by "
        "WHERE a.table_name = ? AND a.row_id = ? AND a.field = ? AND a.deleted_at IS NULL ORDER BY a.id",
        [table_name, int(row_id), field]).fetchall()
    return [Attachment(*row) for row in rows]


def content(db: sqlite_utils.Database, actor: Actor, attachment_id: int) -> tuple[str, bytes]:
    """``(safe name, bytes)`` of a file for download; raises AttachmentError if it is gone or belongs to a
    row ``actor`` may not see (the same message: trying ids tells nothing)."""
    actor = access.resolve(db, actor)
    row = db.execute("SELECT table_name, row_id, file_name, content FROM attachments WHERE id = ? "
                     "AND deleted_at IS NULL", [int(attachment_id)]).fetchone()
    if row is None or not access.visible_ids(db, actor, row[0], [row[1]]):
        raise AttachmentError("attachment.not_found")
    return safe_name(row[2]), row[3]


def _recorded(db: sqlite_utils.Database, attachment_id: int) -> tuple | None:
    return db.execute(f"SELECT {', '.join(_RECORDED)}, deleted_at FROM attachments WHERE id = ?",
                      [int(attachment_id)]).fetchone()


def delete(db: sqlite_utils.Database, actor: Actor, attachment_id: int, *, now: dt.datetime | None = None) -> None:
    """Move a file to the trash (restorable like a deleted record until the trash is emptied).

    Raises AttachmentError if it is gone, AccessDenied if ``actor`` may not edit its row.
    """
    with write_transaction(db):
        actor = access.resolve(db, actor)
        found = _recorded(db, attachment_id)
        if found is None or found[-1] is not None:
            raise AttachmentError("attachment.not_found")
        values = dict(zip(_RECORDED, found[:-1], strict=True))
        _check_row(db, actor, values["table_name"], values["row_id"])
        by = _stamp(db, actor, now)
        _set_deleted(db, attachment_id, by)
        history.record(db, by, table=TABLE, row_id=attachment_id, action="delete",
                       changes={key: (value, None) for key, value in values.items()})


def _set_deleted(db: sqlite_utils.Database, attachment_id: int, by: history.Stamp | None) -> None:
    db.execute("UPDATE attachments SET deleted_at = ?, deleted_by = ? WHERE id = ?",
               [by.at if by else None, by.user_id if by else None, int(attachment_id)])


def revert(db: sqlite_utils.Database, actor: Actor, attachment_id: int, action: str, by: history.Stamp) -> None:
    """Undo one history entry of a file (for ``db.undo``, inside its transaction): an upload goes to the
    trash, a deletion comes back. Raises AccessDenied if ``actor`` may not edit the file's row now."""
    found = _recorded(db, attachment_id)
    if found is None:  # emptied with the trash
        raise AttachmentError("attachment.not_found")
    values = dict(zip(_RECORDED, found[:-1], strict=True))
    _check_row(db, actor, values["table_name"], values["row_id"])
    if action == "insert":
        _set_deleted(db, attachment_id, by)
        history.record(db, by, table=TABLE, row_id=attachment_id, action="delete",
                       changes={key: (value, None) for key, value in values.items()})
    else:
        _set_deleted(db, attachment_id, None)
        history.record(db, by, table=TABLE, row_id=attachment_id, action="insert",
                       changes={key: (None, value) for key, value in values.items()})


def erase(db: sqlite_utils.Database, table_name: str, row_id: int) -> None:
    """Delete for good, bytes and all, what the trash's purge lets go of (inside its transaction): a file
    in the trash (``table_name`` is ``attachments``), or every file of a purged row."""
    if table_name == TABLE:
        db.execute("DELETE FROM attachments WHERE id = ? AND deleted_at IS NOT NULL", [int(row_id)])
    else:
        db.execute("DELETE FROM attachments WHERE table_name = ? AND row_id = ?", [table_name, int(row_id)])


def in_trash(db: sqlite_utils.Database, attachment_id: int) -> bool:
    """Whether file ``attachment_id`` is still there and deleted (a purge may erase it)."""
    row = db.execute("SELECT deleted_at FROM attachments WHERE id = ?", [int(attachment_id)]).fetchone()
    return row is not None and row[0] is not None
