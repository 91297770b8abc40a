# SPDX-License-Identifier: LGPL-2.1-or-later
"""Domains on real KVM: created from a dict, an xl.cfg file and JSON;
lifecycle; shutdown and its events; save with a callback that raises,
restore; threads at once."""

import json
import os
import threading
import unittest

import hv
from hvtest import (BUSY_CMDLINE, BUSY_WARM, MINIOS, TMP, minios_config, needs_kvm,
                    scaled, wait_booted)


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

    def test_vcpus(self):
        dom = self.create("py-vcpu", vcpus=2)
        vs = dom.vcpu_list()
        self.assertEqual([v.vcpu for v in vs], [0, 1])
        self.assertIsInstance(vs[0], hv.VcpuInfo)
        self.assertEqual(vs[0].affinity, "all")
        self.assertTrue(all(v.running or v.blocked for v in vs))
        dom.vcpu_pin(1, "0")
        self.assertEqual([v.affinity for v in dom.vcpu_list()], ["all", "0"])
        dom.vcpu_pin(None, "all")
        self.assertEqual([v.affinity for v in dom.vcpu_list()], ["all", "all"])
        with self.assertRaises(hv.InvalidArgument):
            dom.vcpu_pin(2, "0")
        with self.assertRaises(hv.InvalidArgument):
            dom.vcpu_pin(0, "1023")
        with self.assertRaises(hv.InvalidArgument):
            dom.vcpu_pin(0, "zero")

    def test_disk_attach_detach(self):
        dom = self.create("py-disk")
        img = os.path.join(TMP, "py-disk.img")
        with open(img, "wb") as f:
            f.truncate(1 << 20)
        self.assertEqual(dom.stats().disks, ())
        dom.attach_disk("%s,raw,xvdb,rw" % img)
        self.assertEqual([d["vdev"] for d in dom.config["disks"]], ["xvdb"])
        # the disk is in the domain's stats from its attach on
        s = dom.stats()
        self.assertEqual(s.nr_disks, 1)
        self.assertIsInstance(s.disks, tuple)
        self.assertEqual([k.vdev for k in s.disks], ["xvdb"])
        other = self.create("py-disk2")
        with self.assertRaises(hv.Busy):
            other.attach_disk("%s,raw,xvdb,rw" % img)
        dom.detach_disk("xvdb", force=True)
        self.assertEqual(dom.config.get("disks", []), [])
        s = dom.stats()
        self.assertEqual((s.nr_disks, s.disks), (0, ()))
        other.attach_disk("%s,raw,xvdb,rw" % img)

    def test_create_from_file_and_json(self):
        cfg = os.path.join(TMP, "py-file.cfg")
        with open(cfg, "w") as f:
            f.write('name = "py-file"\nkernel = "%s"\nmemory = 32\nvcpus = 2\n'
                    'extra = "workload=counter"\n' % MINIOS)
        dom = self.ctx.create(cfg)
        self.made.append("py-file")
        self.assertEqual((dom.name, dom.vcpus, dom.state), ("py-file", 2, hv.State.RUNNING))
        text = json.dumps(minios_config("py-json"))
        self.made.append("py-json")
        dom2 = self.ctx.create(text, paused=True)
        self.assertEqual(dom2.state, hv.State.PAUSED)
        jpath = os.path.join(TMP, "py-jfile.json")
        with open(jpath, "w") as f:
            json.dump(minios_config("py-jfile"), f)
        self.made.append("py-jfile")
        dom3 = self.ctx.create(jpath, overrides=["memory=48"])
        self.assertEqual(dom3.memory, 48)
        names = [d.name for d in self.ctx.domains()]
        self.assertTrue({"py-file", "py-json", "py-jfile"} <= set(names), names)

    def test_shutdown_and_its_events(self):
        dom = self.create("py-down")
        wait_booted("py-down")
        events = self.ctx.events(timeout=scaled(60))    # subscribed from here on
        dom.shutdown()
        seen = []
        for ev in events:
            if ev.domid != dom.domid:
                continue
            seen.append((ev.type, ev.code))
            if ev.type == hv.EventType.DEATH:
                break
        self.assertEqual(seen, [(hv.EventType.SHUTDOWN, hv.ShutdownCode.POWEROFF),
                                (hv.EventType.DEATH, hv.ShutdownCode.POWEROFF)])
        with self.assertRaises(hv.NotFound):
            dom.refresh()

    def test_wait_for_the_end(self):
        dom = self.ctx.create(minios_config("py-end", cmdline="workload=counter runtime=1"))
        self.made.append("py-end")
        self.assertEqual(dom.wait(timeout=scaled(60)), hv.ShutdownCode.POWEROFF)
        dom = self.create("py-kept", on_poweroff="preserve")
        wait_booted("py-kept")
        self.assertEqual(dom.shutdown(wait=True, timeout=scaled(60)), hv.ShutdownCode.POWEROFF)
        self.assertEqual(dom.refresh().state, hv.State.SHUTDOWN)
        with self.assertRaises(hv.TimedOut):
            self.create("py-long").wait(timeout=0.3)

    def test_save_cancelled_by_exception(self):
        # 256 MiB, 192 of them written: progress reports every 32 MiB;
        # the first cancels
        dom = self.create("py-save", memory_mib=256, cmdline=BUSY_CMDLINE)
        wait_booted("py-save", text=BUSY_WARM)
        path = os.path.join(TMP, "py-save.img")
        calls = []

        def progress(done, total):
            calls.append((done, total))
            raise Stop("stop here")
        with self.assertRaises(Stop):
            dom.save(path, progress=progress)
        self.assertEqual(len(calls), 1)
        self.assertLess(calls[0][0], calls[0][1])
        self.assertFalse(os.path.exists(path))
        self.assertEqual(dom.refresh().state, hv.State.RUNNING)
        dom.pause()     # it still answers
        dom.unpause()

    def test_threads_on_running_domains(self):
        """8 threads call at once: lists, lookups and info of two running
        domains, two of them pausing and unpausing their own."""
        doms = [self.create("py-thr%d" % i) for i in range(2)]
        errors = []

        def work(i):
            try:
                dom = doms[i % 2]
                for _ in range(20):
                    self.assertEqual(len([d for d in self.ctx.domains()
                                          if d.name.startswith("py-thr")]), 2)
                    self.assertEqual(self.ctx.domain(dom.name).domid, dom.domid)
                    if i < 2:
                        dom.pause()
                        dom.unpause()
                    else:
                        self.ctx.domain(dom.domid)
            except Exception as e:  # pragma: no cover - reported below
                errors.append(repr(e))
        threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual([d.refresh().state for d in doms], [hv.State.RUNNING] * 2)

    def test_save_restore(self):
        dom = self.create("py-sr")
        wait_booted("py-sr")    # the image keeps a guest that takes the power button
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
        self.assertEqual(back.shutdown(wait=True, timeout=scaled(60)),
                         hv.ShutdownCode.POWEROFF)

    def test_save_restore_sealed(self):
        """key=: a sealed image, restored with its key (a file, or its
        bytes); refused without it, and with another."""
        dom = self.create("py-seal")
        wait_booted("py-seal")
        material = os.urandom(32)
        keyfile = os.path.join(TMP, "py-seal.key")
        with open(keyfile, "wb") as f:
            f.write(material)
        path = os.path.join(TMP, "py-seal.img")
        with open(path, "wb") as f:       # a descriptor will do too
            dom.save(f, key=keyfile)
        with self.assertRaises(hv.NotFound):
            dom.refresh()
        with self.assertRaises(hv.InvalidArgument) as cm:
            self.ctx.restore(path)
        self.assertIn("sealed", str(cm.exception))
        with self.assertRaises(hv.Corrupt):
            self.ctx.restore(path, key=os.urandom(32))
        self.assertNotIn("py-seal", [d.name for d in self.ctx.domains()])
        back = self.ctx.restore(path, paused=True, key=bytearray(material))
        self.made.append("py-seal")
        self.assertEqual(back.state, hv.State.PAUSED)
        self.assertEqual(back.uuid, dom.uuid)
        back.destroy()


if __name__ == "__main__":
    unittest.main()
