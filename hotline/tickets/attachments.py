"""Evidence files: checked by size and content, stored on disk outside the database."""
from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

from flask import current_app
from werkzeug.utils import secure_filename

from hotline.errors import StorageError
from hotline.extensions import db
from hotline.tickets import events
from hotline.tickets.identity import clean_text
from hotline.tickets.models import Attachment, Ticket
from hotline.tickets.states import DomainError

# extension → (content type, magic prefix the content must start with)
ALLOWED = {
    "pdf": ("application/pdf", b"%PDF-"),
    "png": ("image/png", b"\x89PNG\r\n\x1a\n"),
    "jpg": ("image/jpeg", b"\xff\xd8\xff"),
    "jpeg": ("image/jpeg", b"\xff\xd8\xff"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK\x03\x04"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK\x03\x04"),
}


CHUNK = 1024 * 1024


def upload_dir() -> Path:
    """Where evidence files live (``HOTLINE_UPLOAD_DIR``); a :class:`StorageError` if it cannot be made."""
    path = Path(current_app.config["UPLOAD_DIR"])
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(exc.errno, exc.strerror) from exc
    return path


def check(filename: str, content: bytes) -> tuple[str, str]:
    """The extension and content type of an acceptable file, or a DomainError."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if ext not in ALLOWED:
        raise DomainError("attachment_type", allowed=", ".join(sorted(ALLOWED)))
    if not content:
        raise DomainError("attachment_empty")
    if len(content) > current_app.config["UPLOAD_MAX_BYTES"]:
        raise DomainError("attachment_too_large", max_mb=current_app.config["UPLOAD_MAX_BYTES"] // (1024 * 1024))
    content_type, magic = ALLOWED[ext]
    if not content.startswith(magic):
        raise DomainError("attachment_content_mismatch")
    return ext, content_type


def _write_chunk(f, chunk: bytes) -> None:
    f.write(chunk)


def store(content: bytes, ext: str) -> str:
    """Write ``content`` under a fresh name and return it. The bytes go to a ``.part`` file that is
    renamed into place only when complete, so a full disk or an I/O error leaves no file at all
    (:class:`StorageError`)."""
    stored = f"{uuid.uuid4().hex}.{ext}"
    directory = upload_dir()
    partial = directory / f".{stored}.part"
    try:
        with open(partial, "xb") as f:
            for start in range(0, len(content), CHUNK):
                _write_chunk(f, content[start:start + CHUNK])
            f.flush()
            os.fsync(f.fileno())
        os.replace(partial, directory / stored)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise StorageError(exc.errno, exc.strerror) from exc
    return stored


def add(ticket: Ticket, *, filename: str, content: bytes, assignment_id: int | None,
        actor_id: int | None) -> Attachment:
    """Store an evidence file for ``ticket`` and record it in the history. The file and the row
    exist together or not at all."""
    filename = clean_text(filename, multiline=False)
    ext, content_type = check(filename, content)
    stored = store(content, ext)
    path = upload_dir() / stored
    name = secure_filename(filename) or f"file.{ext}"
    original = filename.replace("/", "_").replace("\\", "_")[:200] or name
    attachment = Attachment(ticket_id=ticket.id, assignment_id=assignment_id, filename=original,
                            stored_name=stored, content_type=content_type, size=len(content),
                            sha256=hashlib.sha256(content).hexdigest(), uploaded_by_id=actor_id)
    db.session.add(attachment)
    try:
        events.record(ticket, "attachment_added", actor_id=actor_id, assignment_id=assignment_id,
                      data={"filename": original, "sha256": attachment.sha256, "size": len(content)})
        db.session.commit()
    except BaseException:
        db.session.rollback()
        path.unlink(missing_ok=True)
        raise
    return attachment


def path_of(attachment: Attachment) -> Path:
    """The file on disk."""
    return upload_dir() / attachment.stored_name
