# SPDX-License-Identifier: LGPL-2.1-or-later
"""Keys of sealed images and sealed migrations (libhv 1.13,
docs/save-stream.md, *Sealed streams*).

A ``key=`` argument (:meth:`hv.Domain.save`, :meth:`hv.Context.restore`,
:meth:`hv.Domain.migrate_send`, :meth:`hv.Context.migrate_receive`) is a
:data:`KeySource`: the path of a key file (``str`` or ``os.PathLike``,
read by hv_seal_key_read()), or the key file's content itself (``bytes``,
``bytearray`` or ``memoryview``: 32 to 4096 random bytes, derived as
libhv derives a file's by hv_seal_key_from_bytes()).  The derived key is
held in a ``bytearray`` for the length of the call and zeroed after it;
the caller's own bytes are the caller's to drop."""

import os
from typing import Any, Optional, Union

from . import raw as _raw

#: A key file's path, or its content.
KeySource = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview]


def _derive(ctx: Any, key: Optional[KeySource]) -> Optional[bytearray]:
    """The derived key for the raw layer (None: no key).  Raises
    :class:`hv.NotFound`, :class:`hv.PermissionDenied` or
    :class:`hv.InvalidArgument` (a key file or content that is not 32 to
    4096 bytes: the message says how to make one)."""
    if key is None:
        return None
    if isinstance(key, (bytes, bytearray, memoryview)):
        return _raw.hv_seal_key_from_bytes(ctx, key)
    if isinstance(key, str) or hasattr(key, "__fspath__"):
        path = os.fspath(key)
        if not isinstance(path, str):
            path = os.fsdecode(path)
        return _raw.hv_seal_key_read(ctx, path)
    raise TypeError("key must be a key file's path, its bytes, or None")


def _wipe(key: Optional[bytearray]) -> None:
    """Zeroes a derived key in place."""
    if key is not None:
        key[:] = bytes(len(key))
