# SPDX-License-Identifier: LGPL-2.1-or-later
"""Domain configurations: from a dict, an xl.cfg file, JSON text or libvirt
domain XML.

libhv has one typed description of a domain (``hv_domain_config``, see
hv/config.h); in Python it is a dict with the keys of its JSON form, as
``hv_config_to_json()`` writes it: ``name``, ``uuid``, ``type`` ("pvh" or
"hvm"), ``memory_mib``, ``maxmem_mib``, ``vcpus``, ``maxvcpus``, ``cpus``,
``kernel``, ``ramdisk``, ``cmdline``, ``root``, ``extra``,
``on_poweroff``/``on_reboot``/``on_crash`` ("destroy", "restart", ...),
``disks`` and ``vifs`` (lists of dicts).  Every key is optional; those left
out keep libhv's defaults.  :func:`to_xml` writes a configuration as
libvirt domain XML (docs/libvirt-xml.md).
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, Iterable, Mapping, Union

from . import raw as _raw

__all__ = ["ConfigSource", "load", "to_dict", "to_xml"]

#: What :meth:`hv.Context.create` and :meth:`hv.Context.parse_config` take:
#: a dict (the JSON form), JSON text (a str starting with "{"), libvirt
#: domain XML (a str starting with "<"), or the path of an xl.cfg file
#: (xl.cfg(5)); a path ending in ".json" is read as JSON, one ending in
#: ".xml" as libvirt domain XML.
ConfigSource = Union[Mapping[str, Any], str, "os.PathLike[str]", "_raw.hv_domain_config"]


def load(ctx: Any, source: ConfigSource,
         overrides: Iterable[str] = ()) -> "_raw.hv_domain_config":
    """A new raw ``hv_domain_config`` from ``source``, with ``overrides``
    ("KEY=VALUE" strings, as after the file name of ``xl create``, applied
    with ``hv_config_set()``) on top.  ``ctx`` is a raw context, used for
    the messages.  Raises :class:`hv.InvalidConfig` naming the file, line
    and key at fault, :class:`hv.IOFailure` for a file that cannot be read.
    The configuration is not validated as a whole here."""
    cfg = _raw.hv_domain_config()
    if isinstance(source, _raw.hv_domain_config):
        _raw.hv_domain_config_copy(cfg, source)
    elif isinstance(source, Mapping):
        _raw.hv_config_from_json(ctx, json.dumps(dict(source)), cfg)
    elif isinstance(source, str) and source.lstrip().startswith("{"):
        _raw.hv_config_from_json(ctx, source, cfg)
    elif isinstance(source, str) and source.lstrip().startswith("<"):
        _raw.hv_domain_config_from_xml(ctx, "domain.xml", source, cfg)
    elif isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        if path.endswith(".json"):
            with open(path, encoding="utf-8") as f:
                _raw.hv_config_from_json(ctx, f.read(), cfg)
        elif path.endswith(".xml"):
            _raw.hv_domain_config_from_xml_file(ctx, path, cfg)
        else:
            _raw.hv_config_parse_xl_file(ctx, path, cfg)
    else:
        raise TypeError("a configuration is a dict, JSON or XML text or the path "
                        "of a config file, not %s" % type(source).__name__)
    for o in overrides:
        _raw.hv_config_set(ctx, cfg, o)
    return cfg


def to_dict(ctx: Any, cfg: "_raw.hv_domain_config") -> Dict[str, Any]:
    """The JSON form of a raw configuration, as a dict."""
    return json.loads(_raw.hv_config_to_json(ctx, cfg))


def to_xml(ctx: Any, cfg: "_raw.hv_domain_config") -> str:
    """A raw configuration as libvirt domain XML (what ``xl domxml`` prints)."""
    return _raw.hv_domain_config_to_xml(ctx, cfg)
