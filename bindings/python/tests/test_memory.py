# SPDX-License-Identifier: LGPL-2.1-or-later
"""A domain's memory: MemInfo from hv_meminfo, and on real KVM the target,
the cap and the balloon's statistics."""

import dataclasses
import unittest

import hv
from hvtest import minios_config, needs_kvm


def raw_meminfo(**kw):
    d = {"ram_kib": 131072, "target_kib": 65536, "current_kib": 70000,
         "max_kib": 131072, "allocated_kib": 50000, "cgroup_limit_kib": 0,
         "cgroup_usage_kib": 0, "stats_valid": 0, "stats": [0] * 16,
         "stats_age_ms": (1 << 64) - 1, "features": 0, "mem_flags": 0}
    d.update(kw)
    return d


class MemInfoTest(unittest.TestCase):
    def test_names_cover_the_header(self):
        tags = {v for k, v in vars(hv.raw).items()
                if k.startswith("HV_BALLOON_") and not k.startswith("HV_BALLOON_F_")
                and k != "HV_BALLOON_STATS"}
        self.assertEqual(set(hv.BALLOON_STATS), tags)
        bits = {v for k, v in vars(hv.raw).items() if k.startswith("HV_BALLOON_F_")}
        self.assertEqual(set(hv.BALLOON_FEATURES), bits)

    def test_from_raw(self):
        stats = [0] * 16
        stats[hv.raw.HV_BALLOON_MEMFREE] = 1 << 30
        stats[hv.raw.HV_BALLOON_MAJFLT] = 7
        stats[hv.raw.HV_BALLOON_SWAP_IN] = 99     # not valid: left out
        stats[12] = 5                             # a tag with no name yet
        valid = (1 << hv.raw.HV_BALLOON_MEMFREE) | (1 << hv.raw.HV_BALLOON_MAJFLT) | (1 << 12)
        mi = hv.MemInfo._from_raw(raw_meminfo(
            stats=stats, stats_valid=valid, stats_age_ms=1500,
            features=hv.raw.HV_BALLOON_F_STATS | hv.raw.HV_BALLOON_F_DRIVER,
            mem_flags=hv.raw.HV_MEM_CAPPED, cgroup_limit_kib=200000))
        self.assertEqual(mi.stats, {"free_memory": 1 << 30, "major_faults": 7, 12: 5})
        self.assertEqual(mi.stats_age, 1.5)
        self.assertEqual(mi.features, frozenset({"stats", "driver"}))
        self.assertTrue(mi.capped)
        self.assertFalse(mi.target_missed)
        self.assertEqual((mi.ram_kib, mi.target_kib, mi.current_kib, mi.max_kib,
                          mi.allocated_kib, mi.cgroup_limit_kib),
                         (131072, 65536, 70000, 131072, 50000, 200000))
        with self.assertRaises(dataclasses.FrozenInstanceError):
            mi.ram_kib = 1

    def test_never_sent(self):
        mi = hv.MemInfo._from_raw(raw_meminfo(mem_flags=hv.raw.HV_MEM_TARGET_MISSED))
        self.assertIsNone(mi.stats_age)
        self.assertEqual(mi.stats, {})
        self.assertEqual(mi.features, frozenset())
        self.assertTrue(mi.target_missed)
        self.assertFalse(mi.capped)


@needs_kvm
class MemoryDomainTest(unittest.TestCase):
    def setUp(self):
        self.ctx = hv.Context()
        self.dom = self.ctx.create(minios_config("py-mem", memory_mib=64, maxmem_mib=64))

    def tearDown(self):
        try:
            self.dom.destroy()
        except hv.NotFound:
            pass
        self.ctx.close()

    def test_target_and_meminfo(self):
        self.assertEqual(self.dom.memory_target, 64)
        self.assertEqual(self.dom.memory_max, 64)
        self.dom.memory_target = 48
        self.assertEqual(self.dom.memory_target, 48)
        self.assertEqual(self.dom.refresh().memory_target, 48)
        self.assertEqual(self.dom.config["memory_mib"], 48)
        mi = self.dom.meminfo()
        self.assertEqual(mi.target_kib, 48 * 1024)
        self.assertEqual(mi.ram_kib, 64 * 1024)
        with self.assertRaises(hv.InvalidArgument):
            self.dom.memory_target = 128        # above maxmem and the RAM


if __name__ == "__main__":
    unittest.main()
