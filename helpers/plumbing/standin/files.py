"""The Files API: resumable uploads, get, list (paged), delete.

Uploads follow Google's resumable protocol, as google-genai speaks it: a
``POST /upload/v1beta/files`` with ``X-Goog-Upload-Protocol: resumable`` and
``X-Goog-Upload-Command: start`` opens a session, answered with an
``X-Goog-Upload-URL`` (on the stand-in, with an ``upload_id`` and no key) and
``X-Goog-Upload-Status: active``; the bytes then go to that URL with
``upload, finalize``, answered with the File and ``X-Goog-Upload-Status: final``.

Everything is deterministic, so re-authored cassettes do not change: a file's
id comes from its content's sha256 (and how many times that content was
uploaded before), its times from the stand-in's clock. Files are ``ACTIVE`` at
once and expire 48 hours after their creation, as on Gemini.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from .problems import StandInError, invalid_argument
from .text import pick
from .wire import Answer, Call

if TYPE_CHECKING:
    from .server import StandIn

#: How long Gemini keeps an uploaded file.
LIFETIME = timedelta(hours=48)
#: Files per page when the caller does not say (``pageSize``), and the most a page holds.
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 10, 100


def timestamp(moment: datetime) -> str:
    """RFC 3339 with microseconds and ``Z``, as the API writes times."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class Session:
    """An open resumable upload: what the start request announced."""

    upload_id: str
    mime_type: str
    size: int
    display_name: str | None
    name: str | None
    received: bytearray


def no_such_file(name: str) -> StandInError:
    """What Gemini answers for a file that does not exist (or is not yours)."""
    file_id = name.removeprefix("files/")
    return StandInError(
        403, "PERMISSION_DENIED", f"You do not have permission to access the File {file_id} or it may not exist."
    )


class FileStore:
    """Uploaded files, in memory, in upload order."""

    def __init__(self, server: StandIn) -> None:
        """An empty store for ``server``."""
        self.server = server
        self.files: dict[str, dict[str, Any]] = {}
        self.digests: dict[str, str] = {}
        #: Every name ever given: a deleted file's name is never reused.
        self.taken: set[str] = set()
        self.sessions: dict[str, Session] = {}
        self._uploads = 0
        self._lock = threading.Lock()

    def digest_of(self, uri: str) -> str | None:
        """The sha256 (hex) of an uploaded file's content, by its URI or name; ``None`` if unknown."""
        name = "files/" + uri.rstrip("/").rsplit("/", 1)[-1] if uri else ""
        return self.digests.get(name)

    def require(self, uri: str) -> str:
        """The content digest of a file a request refers to; a 403 when there is no such file."""
        digest = self.digest_of(uri)
        if digest is None:
            raise no_such_file(uri.rstrip("/").rsplit("/", 1)[-1])
        return digest

    def start(self, call: Call) -> Answer:
        """Open an upload session."""
        announced = pick(call.body, "file") or {}
        size = call.headers.get("x-goog-upload-header-content-length") or pick(announced, "sizeBytes") or 0
        mime = call.headers.get("x-goog-upload-header-content-type") or pick(announced, "mimeType") or ""
        if not mime:
            raise invalid_argument("Upload has no mime type.")
        with self._lock:
            self._uploads += 1
            upload_id = f"standin-upload-{self._uploads}"
            self.sessions[upload_id] = Session(
                upload_id, mime, int(size), pick(announced, "displayName"), announced.get("name"), bytearray()
            )
        version = call.groups[0]
        url = f"{self.server.url}/upload/{version}/files?upload_id={upload_id}&upload_protocol=resumable"
        return Answer({}, headers={"X-Goog-Upload-URL": url, "X-Goog-Upload-Status": "active"})

    def receive(self, call: Call) -> Answer:
        """Take a chunk of an upload; on ``finalize``, create the File."""
        session = self.sessions.get(call.param("upload_id"))
        if session is None:
            raise StandInError(404, "NOT_FOUND", "The upload session does not exist or has expired.")
        command = call.headers.get("x-goog-upload-command", "")
        offset = int(call.headers.get("x-goog-upload-offset") or 0)
        if offset != len(session.received):
            raise invalid_argument(f"Upload offset {offset} does not match the {len(session.received)} bytes received.")
        session.received.extend(call.raw)
        if "finalize" not in command:
            return Answer({}, headers={"X-Goog-Upload-Status": "active"})
        del self.sessions[session.upload_id]
        return Answer({"file": self.create(session)}, headers={"X-Goog-Upload-Status": "final"})

    def create(self, session: Session) -> dict[str, Any]:
        """Store an uploaded file and describe it."""
        content = bytes(session.received)
        digest = hashlib.sha256(content).hexdigest()
        with self._lock:
            name = session.name or self._new_name(digest)
            if name in self.taken:
                raise StandInError(409, "ALREADY_EXISTS", f"File {name} already exists.")
            created = self.server.now()
            file: dict[str, Any] = {"name": name}
            if session.display_name:
                file["displayName"] = session.display_name
            file |= {
                "mimeType": session.mime_type,
                "sizeBytes": str(len(content)),
                "createTime": timestamp(created),
                "updateTime": timestamp(created),
                "expirationTime": timestamp(created + LIFETIME),
                "sha256Hash": base64.b64encode(digest.encode()).decode(),
                "uri": f"{self.server.url}/v1beta/{name}",
                "state": "ACTIVE",
                "source": "UPLOADED",
            }
            self.files[name] = file
            self.digests[name] = digest
            self.taken.add(name)
        return file

    def _new_name(self, digest: str) -> str:
        """``files/<12 hex digits>`` from the content's sha256; the same content again gets the next one."""
        for attempt in range(1000):
            seed = digest if attempt == 0 else hashlib.sha256(f"{digest}:{attempt}".encode()).hexdigest()
            name = f"files/{seed[:12]}"
            if name not in self.taken:
                return name
        raise StandInError(500, "INTERNAL", "stand-in: too many uploads of the same content")

    def get(self, name: str) -> dict[str, Any]:
        """One file; a 403 when there is none, as on Gemini."""
        file = self.files.get(name)
        if file is None:
            raise no_such_file(name)
        return file

    def delete(self, name: str) -> None:
        """Forget a file (its name stays taken, so it is never reused)."""
        self.get(name)
        with self._lock:
            del self.files[name]
            del self.digests[name]

    def page(self, size: int, token: str) -> dict[str, Any]:
        """A page of files, newest first; the page token is the index of the page's first file."""
        every = list(reversed(self.files.values()))
        size = min(size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
        start = int(token or 0)
        page: dict[str, Any] = {"files": every[start : start + size]} if every[start : start + size] else {}
        if start + size < len(every):
            page["nextPageToken"] = str(start + size)
        return page


def is_upload_session(call: Call) -> bool:
    """Bytes sent to an upload URL, which carries its own credential (``upload_id``), not a key."""
    return call.path.startswith("/upload/") and bool(call.param("upload_id"))


def _upload(server: StandIn, call: Call) -> Answer:
    """``POST /upload/{version}/files``: open a session, or take bytes for one."""
    if is_upload_session(call):
        return server.files.receive(call)
    if call.headers.get("x-goog-upload-protocol") != "resumable" or "start" not in call.headers.get(
        "x-goog-upload-command", ""
    ):
        raise invalid_argument("The stand-in takes only resumable uploads (X-Goog-Upload-Protocol: resumable).")
    return server.files.start(call)


def _list(server: StandIn, call: Call) -> Answer:
    """``GET /{version}/files``."""
    size = call.param("pageSize")
    return Answer(server.files.page(int(size) if size else 0, call.param("pageToken")))


def _get(server: StandIn, call: Call) -> Answer:
    """``GET /{version}/files/{id}``."""
    return Answer(server.files.get(f"files/{call.groups[1]}"))


def _delete(server: StandIn, call: Call) -> Answer:
    """``DELETE /{version}/files/{id}``."""
    server.files.delete(f"files/{call.groups[1]}")
    return Answer({})


ROUTES = [
    ("POST", r"/upload/(v1|v1beta)/files", _upload),
    ("GET", r"/(v1|v1beta)/files", _list),
    ("GET", r"/(v1|v1beta)/files/([a-z0-9-]+)", _get),
    ("DELETE", r"/(v1|v1beta)/files/([a-z0-9-]+)", _delete),
]
