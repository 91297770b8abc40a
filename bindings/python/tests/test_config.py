# SPDX-License-Identifier: LGPL-2.1-or-later
"""Configurations from a dict, an xl.cfg file, JSON text and libvirt XML (no
hvd needed)."""

import json
import os
import threading
import unittest

import hv
from hvtest import CONFIGS, TMP


class ConfigTest(unittest.TestCase):
    def setUp(self):
        self.ctx = hv.Context()

    def tearDown(self):
        self.ctx.close()

    def test_dict(self):
        d = self.ctx.parse_config({"name": "web", "kernel": "/boot/k",
                                   "memory_mib": 512, "vcpus": 2})
        self.assertEqual(d["name"], "web")
        self.assertEqual(d["memory_mib"], 512)
        self.assertEqual(d["vcpus"], 2)
        self.assertEqual(d["type"], "pvh")          # a default
        self.assertEqual(d["on_reboot"], "restart")  # a default

    def test_json_round_trip(self):
        d = self.ctx.parse_config({"name": "rt", "kernel": "/k", "memory_mib": 64,
                                   "uuid": "5bd6ac4e-2b11-4d9c-9a62-8a0fd7b0c1a2",
                                   "cmdline": "console=hvc0"})
        text = json.dumps(d)
        self.assertEqual(self.ctx.parse_config(text), d)
        self.assertEqual(self.ctx.parse_config(d), d)
        self.assertEqual(d["uuid"], "5bd6ac4e-2b11-4d9c-9a62-8a0fd7b0c1a2")

    def test_xl_file(self):
        d = self.ctx.parse_config(os.path.join(CONFIGS, "valid", "web1.cfg"))
        self.assertTrue(d["name"])
        self.assertEqual(self.ctx.parse_config(d), d)

    def test_json_file(self):
        path = os.path.join(TMP, "guest.json")
        with open(path, "w") as f:
            json.dump({"name": "fromjson", "kernel": "/k"}, f)
        self.assertEqual(self.ctx.parse_config(path)["name"], "fromjson")

    def test_libvirt_xml(self):
        """libvirt XML as text and as a .xml file; written back as XML."""
        path = os.path.join(CONFIGS, "..", "libvirt", "valid", "kernel-boot.xml")
        d = self.ctx.parse_config(path)
        self.assertEqual((d["name"], d["memory_mib"], d["maxmem_mib"]), ("kboot", 1536, 2048))
        xml = self.ctx.domain_xml(path)
        self.assertTrue(xml.startswith("<domain type='kvm'>"))
        self.assertEqual(self.ctx.parse_config(xml), d)
        self.assertEqual(self.ctx.parse_config("  " + xml, overrides=["vcpus=1"])["vcpus"], 1)
        with self.assertRaises(hv.InvalidConfig) as cm:
            self.ctx.parse_config(os.path.join(CONFIGS, "..", "libvirt", "invalid", "hostdev.xml"))
        self.assertRegex(str(cm.exception), r"hostdev\.xml:8: /domain/devices/hostdev: "
                         r"PCI passthrough is not supported by hv")
        with self.assertRaises(hv.InvalidConfig) as cm:
            self.ctx.parse_config("<domain type='kvm'><name>\u00e9t\u00e9</name></domain>")
        self.assertIn("domain.xml:1: /domain/name: \"\u00e9t\u00e9\" is not a usable domain name",
                      str(cm.exception))

    def test_overrides(self):
        d = self.ctx.parse_config({"name": "o", "kernel": "/k"},
                                  overrides=["memory=1024", "vcpus=3"])
        self.assertEqual((d["memory_mib"], d["vcpus"]), (1024, 3))

    def test_kernel_cmdline(self):
        self.assertEqual(self.ctx.kernel_cmdline(
            {"name": "c", "kernel": "/k", "root": "/dev/xvda1", "extra": "quiet"}),
            "root=/dev/xvda1 quiet")
        self.assertIsNone(self.ctx.kernel_cmdline({"name": "c", "kernel": "/k"}))

    def test_bad_file_names_file_and_line(self):
        path = os.path.join(CONFIGS, "invalid", "memory-garbage.cfg")
        with self.assertRaises(hv.InvalidConfig) as cm:
            self.ctx.parse_config(path)
        e = cm.exception
        self.assertIsInstance(e, ValueError)
        self.assertEqual(e.code, hv.raw.HV_ERROR_CONFIG)
        self.assertRegex(str(e), r"^%s:\d+: memory: " % path)

    def test_unknown_json_key(self):
        with self.assertRaises(hv.InvalidConfig) as cm:
            self.ctx.parse_config({"name": "x", "memroy_mib": 5})
        self.assertIn("memroy_mib", str(cm.exception))

    def test_validate(self):
        with self.assertRaises(hv.InvalidConfig):
            self.ctx.parse_config({"name": "nokernel"})   # PVH needs a kernel
        self.assertEqual(self.ctx.parse_config({"name": "nokernel"}, validate=False)["name"],
                         "nokernel")

    def test_missing_file(self):
        with self.assertRaises(hv.IOFailure) as cm:
            self.ctx.parse_config(os.path.join(TMP, "no-such.cfg"))
        self.assertIsInstance(cm.exception, OSError)
        self.assertIn("no-such.cfg", str(cm.exception))

    def test_wrong_type(self):
        with self.assertRaises(TypeError):
            self.ctx.parse_config(42)

    def test_threads(self):
        """8 threads parse at once on one context; each error names its own file."""
        bad = os.path.join(CONFIGS, "invalid", "memory-garbage.cfg")
        good = os.path.join(CONFIGS, "valid", "web1.cfg")
        problems = []

        def work(i):
            try:
                for _ in range(50):
                    if i % 2:
                        self.ctx.parse_config({"name": "t%d" % i, "kernel": "/k"})
                    else:
                        try:
                            self.ctx.parse_config(bad)
                        except hv.InvalidConfig as e:
                            if not str(e).startswith(bad):
                                problems.append(str(e))
                        else:
                            problems.append("no error")
                    self.ctx.parse_config(good)
            except Exception as e:  # pragma: no cover - reported below
                problems.append(repr(e))
        threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(problems, [])


if __name__ == "__main__":
    unittest.main()
