"""Typed errors with messages meant for the person who caused them (Chinese first)."""
from __future__ import annotations

REBUILD_HINT = "请运行 `python -m index build` 重新构建索引。"


class PolicyQAError(Exception):
    """Base class of every error this project raises on purpose."""


class DocumentError(PolicyQAError):
    """A file that cannot be turned into a document (unreadable, empty, binary, too large...)."""


class EmbedderError(PolicyQAError):
    """A model that cannot be loaded (missing path, broken folder, unknown spec)."""


class IndexMissingError(PolicyQAError):
    """No index at the given folder."""


class IndexCorruptError(PolicyQAError):
    """Index files are damaged, truncated or inconsistent with their manifest."""


class IndexMismatchError(PolicyQAError):
    """The index was built with another embedder, tokenizer or format."""


class BuildLockedError(PolicyQAError):
    """Another build holds the index folder's lock."""


class BackendError(PolicyQAError):
    """A database backend (``index.oceanbase``) that cannot be used: a bad address, an
    unreachable server, a refused login, a missing or foreign schema."""


class BackendUnavailableError(BackendError):
    """The server cannot be reached, or the connection broke."""


class BackendAuthError(BackendError):
    """The server refused the user name or password."""


class BackendSchemaError(BackendError):
    """The database holds no index of ours, or one of another format version."""
