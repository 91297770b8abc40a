#!/bin/sh
# libFuzzer: hypercall (see tests/fuzz/fuzz-hypercall.c), for a bounded time,
# seeded with one well-formed request of each op: CREATE_DOMAIN (with and
# without a ramdisk, with disks), RESTORE_DOMAIN (with its kernel and ramdisk, and
# from a migration stream), SAVE, MIGRATE_SEND (with and without a description),
# CANCEL, DISK_ATTACH, DISK_DETACH (with and without force), NIC_ATTACH (one and
# two queues), NIC_DETACH (with and without force), STATS (one domain, all),
# the other domctls, and the
# retired ops 1, 2, 11 and 14.
FUZZ_TARGET=fuzz-hypercall
FUZZ_SEEDS=""
if command -v python3 >/dev/null 2>&1 && [ -x "$top_builddir/tests/fuzz/$FUZZ_TARGET" ]; then
	FUZZ_SEEDS=$(mktemp -d "${TMPDIR:-/tmp}/hv-hypercall-seeds.XXXXXX") || exit 1
	python3 - "$FUZZ_SEEDS" <<'PY' || exit 1
import struct, sys

out = sys.argv[1]
HDR = struct.Struct("<IHHIIIi2I")
desc = (b'{"name": "seed", "uuid": "6b1d2a3c-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "type": "pvh", '
        b'"memory_mib": 64, "vcpus": 1, "kernel": "/boot/vmlinuz", '
        b'"cmdline": "console=hvc0", "on_reboot": "restart"}')
ramdisk = desc[:-1] + b', "ramdisk": "/boot/initrd"}'
disks = desc[:-1] + (b', "disks": [{"target": "/a.img", "vdev": "xvda"}, '
                     b'{"target": "/b.img", "vdev": "xvdb", "access": "ro"}]}')
disk = b'{"target": "/c.img", "vdev": "xvdc", "access": "ro"}'
vif = b'{"mac": "00:16:3e:01:02:03", "bridge": "xenbr0", "devid": 1}'
vif2 = b'{"mac": "00:16:3e:01:02:04", "bridge": "xenbr0", "devid": 2, "queues": 2}'
seeds = {
    # name: (descriptors, op, body)
    "create": (1, 16, struct.pack("<IIII", 0, len(desc), 0, 0) + desc),
    "create-paused-ramdisk": (2, 16, struct.pack("<IIII", 3, len(ramdisk), 0, 0) + ramdisk),
    "create-disks": (3, 16, struct.pack("<IIII", 0, len(disks), 0, 0) + disks),
    "restore": (1, 17, struct.pack("<IIII", 2, len(desc), 0, 0) + desc),
    "restore-kernel-initrd": (3, 17, struct.pack("<IIII", 4 | 8 | 1, len(ramdisk), 0, 0) + ramdisk),
    "save": (1, 13, struct.pack("<IIII", 5, 1, 0, 0)),
    "save-config": (1, 13, struct.pack("<IIII", 5, 4, len(desc), 0) + desc),
    "migrate": (1, 29, struct.pack("<IIIIIIQQQ", 5, 1, 0, 300, 1300, 0, 1 << 27, 60000, 5000000)),
    "migrate-config": (1, 29, struct.pack("<IIIIIIQQQ", 5, 4, len(desc), 300, 300, 0, 0, 0, 0) + desc),
    "restore-stream": (1, 17, struct.pack("<IIII", 0x10 | 1, len(desc), 0, 0) + desc),
    "disk-attach": (1, 18, struct.pack("<IIII", 5, 0, len(disk), 0) + disk),
    "disk-detach": (0, 19, struct.pack("<IIII32s", 5, 0, 2000, 0, b"xvdb")),
    "disk-detach-force": (0, 19, struct.pack("<IIII32s", 5, 1, 0, 0, b"xvdc")),
    "nic-attach": (1, 20, struct.pack("<IIII", 5, 0, len(vif), 0) + vif),
    "nic-attach-queues": (2, 20, struct.pack("<IIII", 5, 0, len(vif2), 0) + vif2),
    "nic-detach": (0, 21, struct.pack("<IIII", 5, 0, 2000, 1)),
    "nic-detach-force": (0, 21, struct.pack("<IIII", 5, 1, 0, 7)),
    "cancel": (0, 15, struct.pack("<II", 0xffffffff, 7)),
    "getinfo": (0, 8, struct.pack("<II", 5, 0)),
    "get-config": (0, 12, struct.pack("<II", 5, 0)),
    "rename": (0, 9, struct.pack("<II64s", 5, 0, b"renamed")),
    "shutdown": (0, 6, struct.pack("<II", 5, 1)),
    "trigger-reset": (0, 25, struct.pack("<IIII", 5, 1, 0, 0)),
    "trigger-nmi": (0, 25, struct.pack("<IIII", 5, 2, 1, 0)),
    "trigger-sysrq": (0, 25, struct.pack("<IIII", 5, 3, ord("h"), 0)),
    "read-log": (0, 34, struct.pack("<QII", 4096, 0, 0)),
    "read-log-clear": (0, 34, struct.pack("<QII", 0, 1, 0)),
    "list": (0, 33, struct.pack("<II", 0, 0)),
    "stats-one": (0, 26, struct.pack("<IIII", 5, 0, 0, 0)),
    "stats-all": (0, 26, struct.pack("<IIII", 0xffffffff, 3, 10, 0)),
    "physinfo": (0, 32, b""),
    "retired-create": (0, 1, bytes(120)),
    "retired-build": (1, 2, bytes(4112)),
    "retired-set-config": (0, 11, struct.pack("<II", 5, 0) + desc),
    "retired-restore": (1, 14, bytes(4224) + desc),
}
for seq, (name, (nfds, op, body)) in enumerate(sorted(seeds.items()), 1):
    msg = HDR.pack(0x43485648, 1, op, 0, HDR.size + len(body), seq, 0, 0, 0) + body
    with open("%s/%s" % (out, name), "wb") as f:
        f.write(bytes([nfds]) + msg)
PY
fi
. "$HV_TESTS_SRC/fuzz/run.sh"
[ -z "$FUZZ_SEEDS" ] || rm -rf "$FUZZ_SEEDS"
