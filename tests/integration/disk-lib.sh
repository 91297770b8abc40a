# Shared by the disk-*.sh tests; sourced after lib.sh (POSIX sh).
# Raw images, and minios's disk pattern (hypervisor/minios/README, "Disks")
# written or checked by the host, so that what the guest wrote is checked
# outside it and what the host wrote is checked by the guest.

need_cmd python3

# disk_image PATH MiB: a new sparse raw image.
disk_image() {
	rm -f "$1"
	truncate -s "$2M" "$1" || fail "cannot create the image $1"
}

# disk_pattern IMAGE write|check|zero SEED START COUNT: the pattern of
# sectors [START, START + COUNT) with SEED written into IMAGE, or checked
# there (zero: the sectors must read zero; SEED is ignored). A check that
# fails says which sector and what it holds, and returns 1.
disk_pattern() {
	python3 - "$@" <<'PY'
import struct, sys

M = (1 << 64) - 1


def mix(x):
    x = (x + 0x9e3779b97f4a7c15) & M
    x = ((x ^ (x >> 30)) * 0xbf58476d1ce4e5b9) & M
    x = ((x ^ (x >> 27)) * 0x94d049bb133111eb) & M
    return x ^ (x >> 31)


def sector(s, seed):
    """ublkwl_fill(): sector, seed, then 62 steps of an LCG."""
    v = mix(s ^ mix(seed))
    words = [s, seed]
    for _ in range(62):
        v = (v * 6364136223846793005 + 1442695040888963407) & M
        words.append(v)
    return struct.pack("<64Q", *words)


path, op = sys.argv[1], sys.argv[2]
seed, start, count = (int(a, 0) for a in sys.argv[3:6])
with open(path, "r+b" if op == "write" else "rb") as f:
    if op == "write":
        f.seek(start * 512)
        f.write(b"".join(sector(start + i, seed) for i in range(count)))
        sys.exit(0)
    f.seek(start * 512)
    data = f.read(count * 512)
for i in range(count):
    got = data[i * 512:(i + 1) * 512]
    want = bytes(512) if op == "zero" else sector(start + i, seed)
    if got != want:
        print("%s: sector %d is not the %s: starts %s" %
              (path, start + i, "zero sector" if op == "zero" else
               "pattern of seed %d" % seed, got[:16].hex() or "(past the end)"))
        sys.exit(1)
PY
}

# disk_sum IMAGE: a checksum of the whole image.
disk_sum() {
	cksum <"$1" | cut -d' ' -f1,2
}

# disk_o_direct DIR: whether files in DIR can be opened with O_DIRECT
# (tmpfs cannot).
disk_o_direct() {
	python3 - "$1" <<'PY'
import os, sys
p = os.path.join(sys.argv[1], ".o_direct")
open(p, "wb").close()
try:
    os.close(os.open(p, os.O_RDONLY | os.O_DIRECT))
except OSError:
    sys.exit(1)
finally:
    os.unlink(p)
PY
}
