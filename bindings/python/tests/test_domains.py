# SPDX-License-Identifier: LGPL-2.1-or-later
"""Domains on real KVM: lifecycle, save with a callback that raises, restore."""

import os
import unittest

import hv
from hvtest import TMP, minios_config, needs_kvm


class Stop(Exception):
    pass


@needs_kvm
class DomainTest(unittest.TestCase):
    def setUp(self):
        self.ctx = hv.Context()
        self.made = []

    def tearDown(self):
        for name in self.made:
            try:
                self.ctx.domain(name).destroy()
            except hv.NotFound:
                pass
        self.ctx.close()

    def create(self, name, **kw):
        self.made.append(name)
        return self.ctx.create(minios_config(name, **kw))

    def test_lifecycle(self):
        dom = self.create("py-life")
        self.assertEqual(dom.name, "py-life")
        self.assertEqual(dom.memory, 32)
        self.assertIn(dom, self.ctx.domains())
        self.assertEqual(self.ctx.domain("py-life").domid, dom.domid)
        self.assertEqual(self.ctx.domain(dom.domid).uuid, dom.uuid)
        dom.pause()
        self.assertEqual(dom.refresh().state, hv.State.PAUSED)
        dom.unpause()
        self.assertEqual(dom.refresh().state, hv.State.RUNNING)
        self.assertEqual(dom.config["memory_mib"], 32)
        dom.rename("py-life2")
        self.made.append("py-life2")
        self.assertEqual(self.ctx.domain("py-life2").domid, dom.domid)
        with self.assertRaises(hv.Exists):
            self.create("py-life2")
        dom.destroy()
        with self.assertRaises(hv.NotFound):
            dom.refresh()

    def test_disk_attach_detach(self):
        dom = self.create("py-disk")
        img = os.path.join(TMP, "py-disk.img")
        with open(img, "wb") as f:
            f.truncate(1 << 20)
        dom.attach_disk("%s,raw,xvdb,rw" % img)
        self.assertEqual([d["vdev"] for d in dom.config["disks"]], ["xvdb"])
        other = self.create("py-disk2")
        with self.assertRaises(hv.Busy):
            other.attach_disk("%s,raw,xvdb,rw" % img)
        dom.detach_disk("xvdb", force=True)
        self.assertEqual(dom.config.get("disks", []), [])
        other.attach_disk("%s,raw,xvdb,rw" % img)

    def test_save_cancelled_by_exception(self):
        dom = self.create("py-save")
        path = os.path.join(TMP, "py-save.img")
        calls = []

        def progress(done, total):
            calls.append((done, total))
            raise Stop("stop here")
        with self.assertRaises(Stop):
            dom.save(path, progress=progress)
        self.assertEqual(len(calls), 1)
        self.assertFalse(os.path.exists(path))
        self.assertEqual(dom.refresh().state, hv.State.RUNNING)

    def test_save_restore(self):
        dom = self.create("py-sr")
        path = os.path.join(TMP, "py-sr.img")
        seen = []
        dom.save(path, progress=lambda d, t: seen.append((d, t)))
        self.assertTrue(seen)
        self.assertEqual(seen[-1][0], seen[-1][1])
        with self.assertRaises(hv.NotFound):
            dom.refresh()
        back = self.ctx.restore(path, paused=True, name="py-sr-back")
        self.made.append("py-sr-back")
        self.assertEqual(back.state, hv.State.PAUSED)
        self.assertEqual(back.uuid, dom.uuid)
        back.unpause()
        back.shutdown(wait=True, timeout=30)


if __name__ == "__main__":
    unittest.main()
