# SPDX-License-Identifier: LGPL-2.1-or-later
"""Every public hv_ function in the installed headers has a binding in
hv.raw, or is listed here as deliberately left out, with the reason."""

import glob
import os
import re
import unittest

import hv
from hvtest import SRC

# What the binding does instead of wrapping the function itself.
SKIPPED = {
    "hv_domain_config_init_sized": "hv_domain_config() initialises itself",
    "hv_domain_config_dispose": "hv_domain_config's destructor disposes",
    "hv_dominfo_init_sized": "results are dicts, initialised by the typemap",
    "hv_physinfo_init_sized": "results are dicts, initialised by the typemap",
    "hv_event_init_sized": "results are dicts, initialised by the typemap",
    "hv_meminfo_init_sized": "results are dicts, initialised by the typemap",
    "hv_progress_init_sized": "a progress argument is a Python callable",
    "hv_restore_params_init_sized": "restore overrides are a dict",
    "hv_migrate_params_init_sized": "migration parameters are a dict",
    "hv_migrate_stats_init_sized": "results are dicts, initialised by the typemap",
    "hv_dominfo_list_free": "hv_domain_list() returns a Python list, freed by the typemap",
    "hv_domstats_free": "hv_domain_stats() returns a dict, freed by the typemap",
    "hv_domstats_list_free": "hv_domain_stats_all() returns a Python list, freed by the typemap",
    "hv_seal_key_wipe": "keys are bytearrays, which the hv package wipes in place",
    "hv_config_read_settings": "a C callback for programs that give xl.cfg keys meanings of "
                               "their own (xl's xl.conf); hv.config reads xl.cfg",
}

# Declared as "type name(" at the start of a line in a public header (the
# continuation lines of a prototype start with a tab).
DECL = re.compile(r"^(?:[a-z_ ]+[ *]+)(hv_[a-z0-9_]+)\(", re.M)


def public_functions():
    names = set()
    headers = glob.glob(os.path.join(SRC, "libhv", "include", "hv", "*.h"))
    for h in headers:
        with open(h) as f:
            text = re.sub(r"/\*.*?\*/", "", f.read(), flags=re.S)
        text = re.sub(r"^(#|typedef).*$", "", text, flags=re.M)
        names.update(DECL.findall(text))
    return headers, names


class CoverageTest(unittest.TestCase):
    def test_every_function_bound_or_skipped(self):
        headers, names = public_functions()
        self.assertTrue(headers, "no headers found under %s" % SRC)
        self.assertIn("hv_domain_save", names, "the header parser found too little")
        missing = sorted(n for n in names if n not in SKIPPED and not hasattr(hv.raw, n))
        self.assertEqual(missing, [], "public functions without a binding: add them to "
                         "bindings/python/hv.i, or to SKIPPED here with the reason")
        stale = sorted(n for n in SKIPPED if n not in names)
        self.assertEqual(stale, [], "SKIPPED names functions the headers do not declare")

    def test_docstrings_from_the_headers(self):
        """Each function's docstring is its prototype and the header's
        comment above it."""
        _, names = public_functions()
        for n in sorted(names - set(SKIPPED)):
            doc = getattr(hv.raw, n).__doc__ or ""
            self.assertIn("C: ", doc, n)
            self.assertIn(n + "(", doc, n)
        self.assertIn("HV_ERROR_CANCELLED (@progress's callback cancelled it",
                      " ".join(hv.raw.hv_domain_save.__doc__.split()))
        self.assertIn("allocate a library context", hv.raw.hv_ctx_new.__doc__)
        self.assertNotIn("reboot", hv.raw.hv_domain_pause.__doc__)

    def test_libhv_map_agrees(self):
        """The headers declare what libhv.map exports, so the parse is complete."""
        with open(os.path.join(SRC, "libhv", "libhv.map")) as f:
            exported = set(re.findall(r"^\s+(hv_[a-z0-9_]+);", f.read(), re.M))
        self.assertEqual(public_functions()[1], exported)


if __name__ == "__main__":
    unittest.main()
