# SPDX-License-Identifier: LGPL-2.1-or-later
# hv.raw is made by SWIG and untyped: to a type checker every name in it
# is Any.  The typed API is the hv package around it.
from typing import Any


def __getattr__(name: str) -> Any: ...
