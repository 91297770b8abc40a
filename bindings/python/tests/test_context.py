# SPDX-License-Identifier: LGPL-2.1-or-later
"""Calls that go to hvd (started on demand; it runs without KVM too), and
what a stats sample reads like."""

import dataclasses
import os
import threading
import unittest

import hv


class DaemonTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ctx = hv.Context()

    @classmethod
    def tearDownClass(cls):
        cls.ctx.close()

    def test_starts_hvd_and_lists(self):
        doms = self.ctx.domains()
        self.assertIsInstance(doms, list)
        info = self.ctx.physinfo()
        self.assertGreater(info["hvd_pid"], 0)
        self.assertEqual(info["version"], hv.version())
        with open(os.path.join(os.environ["HV_RUNDIR"], "hvd.pid")) as f:
            self.assertEqual(int(f.read()), info["hvd_pid"])

    def test_hvd_log(self):
        log = self.ctx.hvd_log()
        self.assertIn("ready on", log)
        self.assertIn("ready on", self.ctx.hvd_log(clear=True))
        self.assertNotIn("ready on", self.ctx.hvd_log())
        self.assertIn("log emptied", self.ctx.hvd_log())

    def test_stats_without_domains(self):
        # hvd with no domain (each test has its own): an empty list; the
        # stats of a domain that is not there: NotFound
        self.assertEqual(self.ctx.stats(), [])
        with self.assertRaises(hv.NotFound):
            hv.Domain(self.ctx, {"domid": 4242, "name": "nosuch"}).stats()

    def test_trigger_unknown_domain(self):
        # a domain handle for an id hvd does not have: the call reaches hvd
        dom = hv.Domain(self.ctx, {"domid": 4242, "name": "nosuch"})
        with self.assertRaises(hv.NotFound):
            dom.trigger(hv.Trigger.NMI, 0)
        with self.assertRaises(hv.InvalidArgument):
            dom.trigger(hv.Trigger.SYSRQ, " ")
        with self.assertRaises(ValueError):
            dom.trigger(hv.Trigger.SYSRQ, "ab")

    def test_unknown_domain(self):
        with self.assertRaises(hv.NotFound) as cm:
            self.ctx.domain("nosuch")
        self.assertIsInstance(cm.exception, LookupError)
        self.assertEqual(cm.exception.code, hv.raw.HV_ERROR_NOTFOUND)
        self.assertIn("nosuch", str(cm.exception))
        with self.assertRaises(hv.NotFound):
            self.ctx.domain(4000)

    def test_disk_hotplug_errors(self):
        """Attach and detach reach hvd: an unknown domain is NotFound, a bad
        DISKSPEC is refused before anything is opened."""
        ghost = hv.domain.Domain(self.ctx, {"domid": 4000, "name": "ghost"})
        img = os.path.join(os.environ.get("HVPY_TMP", "/tmp"), "py-ghost.img")
        with open(img, "wb") as f:
            f.truncate(1 << 20)
        with self.assertRaises(hv.NotFound):
            ghost.attach_disk(img + ",raw,xvdb,rw")
        with self.assertRaises(hv.InvalidConfig):
            ghost.attach_disk("vdev=xvdb,access=sideways,target=" + img)
        with self.assertRaises(hv.NotFound):
            ghost.detach_disk("xvdb", force=True)

    def test_memory_errors(self):
        """Memory calls: a size below HV_MEMORY_MIN_MIB is refused by libhv
        before hvd is asked (so even for a domain that does not exist), an
        unknown domain is NotFound."""
        ghost = hv.domain.Domain(self.ctx, {"domid": 4000, "name": "ghost",
                                            "memory_mib": 64, "maxmem_mib": 64})
        for attr in ("memory_target", "memory_max"):
            with self.assertRaises(hv.InvalidArgument) as cm:
                setattr(ghost, attr, hv.raw.HV_MEMORY_MIN_MIB - 1)
            self.assertIsInstance(cm.exception, ValueError)
            self.assertEqual(cm.exception.code, hv.raw.HV_ERROR_INVAL)
            self.assertIn("too little", str(cm.exception))
            with self.assertRaises(hv.NotFound):
                setattr(ghost, attr, 128)
            self.assertEqual(getattr(ghost, attr), 64, "a failed set changed the snapshot")
        with self.assertRaises(hv.NotFound):
            ghost.meminfo()
        with self.assertRaises(OverflowError):
            ghost.memory_target = -1
        self.assertIsNone(ghost.memory_current)

    def test_nic_hotplug_errors(self):
        """A vif for a domain hvd does not know is refused before a tap is
        made; a bad vif spec before anything is asked."""
        ghost = hv.domain.Domain(self.ctx, {"domid": 4000, "name": "ghost"})
        with self.assertRaises(hv.NotFound):
            ghost.attach_nic("bridge=hvtest0")
        with self.assertRaises(hv.InvalidConfig):
            ghost.attach_nic("mac=00:16:3e:zz")
        with self.assertRaises(hv.NotFound):
            ghost.detach_nic(1, force=True)

    def test_threads(self):
        """8 threads call hvd at once on one context."""
        errors = []

        def work():
            try:
                for _ in range(25):
                    self.ctx.domains()
                    try:
                        self.ctx.domain("nosuch")
                    except hv.NotFound as e:
                        if "nosuch" not in str(e):
                            errors.append(str(e))
            except Exception as e:  # pragma: no cover - reported below
                errors.append(repr(e))
        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])

    def test_close_waits_for_calls(self):
        ctx = hv.Context()
        stop = threading.Event()
        errors = []

        def work():
            while not stop.is_set():
                try:
                    ctx.domains()
                except hv.ContextClosed:
                    return
                except Exception as e:  # pragma: no cover
                    errors.append(repr(e))
                    return
        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        ctx.close()
        stop.set()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])

    def test_create_without_kernel_file(self):
        with self.assertRaises(hv.Error) as cm:
            self.ctx.create({"name": "nokernel", "kernel": "/nonexistent/kernel"})
        self.assertIn("/nonexistent/kernel", str(cm.exception))
        with self.assertRaises(hv.NotFound):
            self.ctx.domain("nokernel")

    def test_restore_refuses_junk(self):
        path = os.path.join(os.environ["HVPY_TMP"], "junk.img")
        with open(path, "wb") as f:
            f.write(os.urandom(8192))
        with self.assertRaises(hv.Corrupt) as cm:
            self.ctx.restore(path, progress=lambda done, total: None)
        self.assertIsInstance(cm.exception, ValueError)
        self.assertIn("magic", str(cm.exception))
        self.assertEqual(self.ctx.domains(), [])

    def test_progress_must_be_callable(self):
        with self.assertRaises(TypeError):
            hv.raw.hv_domain_save(self.ctx._ctx, 1, 1, 0, "not callable")


class StatsSampleTest(unittest.TestCase):
    """hv.Stats as hv_domain_stats() gives it, read from a sample made up
    in C (hv.raw.hvpy_domstats_selftest): no domain, no hvd needed."""

    def test_stats_types(self):
        """hv.Stats and the tuples in it: frozen dataclasses with the
        fields of hv_domstats, hv_vifstats and hv_vbdstats."""
        def names(cls):
            return [f.name for f in dataclasses.fields(cls)]
        for cls in (hv.Stats, hv.VifStats, hv.VbdStats):
            self.assertIn(cls.__name__, hv.__all__)
        self.assertEqual(names(hv.VifStats), ["devid", "valid", "rx_bytes", "rx_packets",
                                              "tx_bytes", "tx_packets"])
        self.assertEqual(names(hv.VbdStats), ["vdev", "valid", "rd_reqs", "rd_bytes",
                                              "wr_reqs", "wr_bytes", "flush_reqs",
                                              "discard_reqs", "err_reqs", "throttled_reqs"])
        self.assertEqual(names(hv.Stats)[-4:], ["nr_disks", "vifs", "disks", "migration"])

    def test_stats_decoded(self):
        """A sample made up in C (no domain needed), read as hv_domain_stats()
        is: one vif; nr_disks disks, in order, with and without counters."""
        raw = hv.raw.hvpy_domstats_selftest(False)
        s = hv.Stats._from_raw(raw)
        self.assertEqual((s.domid, s.name, s.cpu_ns, s.mem_current_bytes),
                         (7, "stats-sample", 1000, None))
        self.assertEqual(s.vifs, (hv.VifStats(devid=0, valid=True, rx_bytes=100,
                                              rx_packets=2, tx_bytes=300,
                                              tx_packets=4),))
        self.assertEqual(s.nr_disks, 3)
        self.assertIsInstance(s.disks, tuple)
        self.assertEqual(len(s.disks), s.nr_disks)     # disks[3] is past them
        self.assertEqual([k.vdev for k in s.disks], ["xvda", "hdc", "xvdabcdefghijkl"])
        self.assertEqual(s.disks[0], hv.VbdStats(
            vdev="xvda", valid=True, rd_reqs=11, rd_bytes=(1 << 40) + 12, wr_reqs=13,
            wr_bytes=14 * 512, flush_reqs=15, discard_reqs=16, err_reqs=17,
            throttled_reqs=18))
        # an empty CD-ROM drive: there, without counters
        self.assertFalse(s.disks[1].valid)
        self.assertEqual(s.disks[1].rd_reqs + s.disks[1].wr_bytes, 0)
        self.assertTrue(s.disks[2].valid)
        self.assertEqual((s.disks[2].wr_reqs, s.disks[2].wr_bytes), (1, 4096))
        for k in s.disks:
            self.assertIsInstance(k, hv.VbdStats)
            self.assertIsInstance(k.valid, bool)
        # the migration that brought it here (libhv 1.14)
        self.assertIsInstance(s.migration, hv.MigrateStats)
        self.assertEqual((s.migration.id, s.migration.total_ns, s.migration.downtime_ns,
                          s.migration.resume_ns, s.migration.setup_ns),
                         (b"\xab" * 16, 21, (1 << 33) + 5, 3, 0))
        for frozen, field in ((s, "disks"), (s.vifs[0], "valid"), (s.disks[0], "wr_bytes")):
            with self.assertRaises(dataclasses.FrozenInstanceError):
                setattr(frozen, field, 0)

    def test_stats_of_an_older_libhv(self):
        """A structure from a libhv before 1.9 has no room for disks[]: the
        binding reads none (nr_disks still says how many there are)."""
        s = hv.Stats._from_raw(hv.raw.hvpy_domstats_selftest(True))
        self.assertEqual(s.nr_disks, 3)
        self.assertEqual(s.disks, ())
        self.assertEqual(len(s.vifs), 1)
        self.assertIsNone(s.migration)


if __name__ == "__main__":
    unittest.main()
