# SPDX-License-Identifier: LGPL-2.1-or-later
"""Calls that go to hvd (started on demand; it runs without KVM too)."""

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


if __name__ == "__main__":
    unittest.main()
