#!/bin/sh
# minios's virtio-balloon driver against QEMU's virtio-balloon-pci, under
# TCG (no KVM needed), driven through QMP: the features negotiated (and
# declined: nostats, noreport), an inflate to the target QMP's "balloon"
# sets with the guest's actual in query-balloon and HMP "info balloon",
# the touched pages inflated first so that QEMU's anonymous RSS falls,
# the statistics QEMU asks for every second equal to what the guest sent,
# a target past what the guest can give, the deflate with the pages
# reading as zero, free page reporting, a guest that ignores the balloon,
# and the hostile cases (QEMU's device goes NEEDS_RESET on the broken
# descriptors and ignores page numbers it has no RAM for). Both images
# (the PVH ELF, and the bzImage for one boot).
#
# QEMU 7.2 numbers the balloon's queues whatever was negotiated (stats is
# always 2, reporting 3); hv-vmm and Linux number only the negotiated ones
# (reporting is 2 without stats). nostats and reporting together are thus
# only tried against hv-vmm. Skips (77) without qemu-system-x86_64 or
# python3.
. "$HV_TESTS_SRC/lib.sh"

QEMU=${QEMU:-qemu-system-x86_64}
need_cmd "$QEMU" "install the Debian package qemu-system-x86"
need_cmd python3 "install the Debian package python3"
for f in "$MINIOS" "$MINIOS_BZIMAGE"; do
	[ -f "$f" ] || fail "minios image '$f' not built"
done
IMAGE=$MINIOS

MIB=1048576
RAM_MIB=256

# qmp COMMAND-JSON...: runs the commands on the running guest's QMP
# socket, prints each return value as JSON, one a line.
cat >"$T/qmp.py" <<'EOF'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
f = s.makefile("rw")
def reply():
    while True:
        m = json.loads(f.readline())
        if "event" not in m:
            return m
reply()
for i, c in enumerate(['{"execute": "qmp_capabilities"}'] + sys.argv[2:]):
    f.write(c + "\n")
    f.flush()
    r = reply()
    if "error" in r:
        sys.exit("qmp: %s: %s" % (c, r["error"]))
    if i:
        print(json.dumps(r["return"]))
EOF
qmp() {
	python3 "$T/qmp.py" "$T/qmp.sock" "$@"
}
# set_target MIB: QMP "balloon" (the guest's target size)
set_target() {
	qmp "{\"execute\": \"balloon\", \"arguments\": {\"value\": $(($1 * MIB))}}" >/dev/null ||
		fail "$name: QMP balloon $1 MiB"
}
# actual_mib: the guest's size as QEMU has it (query-balloon), in MiB
actual_mib() {
	qmp '{"execute": "query-balloon"}' | python3 -c 'import json, sys; print(json.load(sys.stdin)["actual"] // 1048576)'
}
# rss_kib: QEMU's anonymous memory (where guest RAM lives), KiB
rss_kib() {
	awk '/^RssAnon:/ { print $2 }' "/proc/$(pgrep -P "$qpid" | head -n 1)/status"
}

# start NAME DEVICE-OPTIONS APPEND: minios ($IMAGE) under QEMU TCG (q35), a
# virtio-balloon-pci with id bal0, QMP on $T/qmp.sock; serial output in
# $T/NAME.log. Returns once QMP answers.
start() {
	name=$1
	rm -f "$T/qmp.sock"
	timeout "$(scaled 300)" "$QEMU" -accel tcg -M q35 -m $RAM_MIB -smp 1 \
		-nodefaults -no-user-config -nographic -no-reboot \
		-serial "file:$T/$name.log" -monitor none -display none \
		-qmp "unix:$T/qmp.sock,server=on,wait=off" \
		-device "virtio-balloon-pci,id=bal0,disable-legacy=on$2" \
		-kernel "$IMAGE" -append "$3 action=poweroff" \
		</dev/null >"$T/$name.qemu" 2>&1 &
	qpid=$!
	i=0
	while ! qmp >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -le 100 ] || { cat "$T/$name.qemu" >&2; fail "$name: no QMP"; }
		sleep 0.1
	done
}
# wait_for PATTERN WHAT: a line on the guest's console
wait_for() {
	wait_line "$T/$name.log" "$1" 60 ||
		{ tr -d '\r' <"$T/$name.log" | tail -n 30 >&2; fail "$name: $2: no line matching '$1'"; }
}
# finish: QEMU ends (QMP quit, or the guest powered off); no guest failure
finish() {
	qmp '{"execute": "quit"}' >/dev/null 2>&1
	wait "$qpid" || true
	tr -d '\r' <"$T/$name.log" >"$T/$name.out"
	if grep -q '^minios: exception\|FAILED\|the balloon stops' "$T/$name.out"; then
		cat "$T/$name.out" >&2
		fail "$name: the guest reported a failure"
	fi
}

# 1: features, touch, report, inflate, stats, a target past the pool,
# deflate
start main ",free-page-reporting=on" "workload=balloon:touch=64:report=8"
wait_for '^minios: balloon actual 0 pages \(target 0\)' "the driver is up"
out=$T/main.log
expect_line "$out" '^minios: balloon features=0x100000022 .* stats=1 report=1 deflate_on_oom=0 queues=4 ' "features (stats, reporting)"
expect_line "$out" '^minios: balloon touched 64 MiB ' "64 MiB touched"
expect_line "$out" '^minios: balloon reported 2048 pages in 8 ranges: 2048 zero, 0 kept' "8 MiB reported, dropped by QEMU"
expect_line "$out" '^minios: balloon stats sent 1 ' "first statistics"
ok "features negotiated, free page reporting dropped 8 MiB"
rss0=$(rss_kib)
set_target 160
pages=$(((RAM_MIB - 160) * 256))
wait_for "^minios: balloon actual $pages pages \\(target $pages\\)" "inflate to 160 MiB"
[ "$(actual_mib)" = 160 ] || fail "main: query-balloon says $(actual_mib) MiB, not 160"
qmp '{"execute": "human-monitor-command", "arguments": {"command-line": "info balloon"}}' |
	grep -q 'balloon: actual=160' || fail "main: info balloon does not say actual=160"
rss1=$(rss_kib)
[ $((rss0 - rss1)) -ge $((48 * 1024)) ] ||
	fail "main: QEMU's anonymous memory went from $rss0 to $rss1 KiB: the touched 64 MiB were not dropped"
ok "inflated to 160 MiB: query-balloon and info balloon agree, QEMU's RSS fell by $(((rss0 - rss1) / 1024)) MiB"

qmp '{"execute": "qom-set", "arguments": {"path": "/machine/peripheral/bal0", "property": "guest-stats-polling-interval", "value": 1}}' >/dev/null ||
	fail "main: cannot set guest-stats-polling-interval"
wait_for '^minios: balloon stats sent 3 ' "statistics asked for"
qmp '{"execute": "qom-get", "arguments": {"path": "/machine/peripheral/bal0", "property": "guest-stats"}}' >"$T/stats.json"
last=$(tr -d '\r' <"$out" | grep '^minios: balloon stats sent' | tail -n 1)
python3 - "$T/stats.json" "$last" "$pages" <<'EOF' || fail "main: QEMU's statistics are not the guest's"
import json, re, sys
st = json.load(open(sys.argv[1]))["stats"]
m = re.search(r"total=(\d+) free=(\d+)", sys.argv[2])
total, free = int(m.group(1)), int(m.group(2))
# the guest's RAM (e820) less the balloon; free below the total
assert st["stat-total-memory"] == total, (st, total)
assert st["stat-free-memory"] == free and st["stat-available-memory"] == free, (st, free)
assert total + int(sys.argv[3]) * 4096 <= 256 << 20 and free < total, st
assert st["stat-swap-in"] == 0 and st["stat-disk-caches"] == 0, st
EOF
ok "statistics every second: QEMU's guest-stats are what the guest sent"

set_target 1
wait_for '^minios: balloon target 65280 pages: at most [0-9]+ can be given' "a target past the pool"
max=$(tr -d '\r' <"$out" | sed -n 's/^minios: balloon target 65280 pages: at most \([0-9]*\) can be given/\1/p' | head -n 1)
wait_for "^minios: balloon actual $max pages \\(target 65280\\)" "inflated as far as it can"
[ "$(actual_mib)" = $(((RAM_MIB * MIB - max * 4096) / MIB)) ] || fail "main: query-balloon says $(actual_mib) MiB with $max pages in the balloon"
ok "a target past the pool: $max pages given"

set_target $RAM_MIB
wait_for '^minios: balloon actual 0 pages \(target 0\)' "deflate"
wait_for '^minios: balloon retouch (ok|FAILED) pages=' "the touched pages again"
expect_line "$out" '^minios: balloon retouch ok pages=16384' "deflated pages read as zero"
[ "$(actual_mib)" = $RAM_MIB ] || fail "main: query-balloon says $(actual_mib) MiB after the deflate"
finish
ok "deflated: the touched pages read as zero and were written again"

# 2: stats and reporting declined: two queues (the bzImage)
IMAGE=$MINIOS_BZIMAGE
start declined ",free-page-reporting=on" "workload=balloon:nostats:noreport"
wait_for '^minios: balloon actual 0 pages \(target 0\)' "the driver is up"
expect_line "$T/declined.log" '^minios: balloon features=0x100000000 .* stats=0 report=0 deflate_on_oom=0 queues=2 ' "features declined"
set_target 200
wait_for '^minios: balloon actual 14336 pages \(target 14336\)' "inflate to 200 MiB"
[ "$(actual_mib)" = 200 ] || fail "declined: query-balloon says $(actual_mib) MiB"
set_target $RAM_MIB
wait_for '^minios: balloon actual 0 pages \(target 0\)' "deflate"
finish
IMAGE=$MINIOS
ok "stats and reporting declined: inflate and deflate on queues 0 and 1 (bzImage)"

# 3: reporting declined, stats on queue 2, deflate-on-oom offered
start noreport ",free-page-reporting=on,deflate-on-oom=on" "workload=balloon:noreport:report=4"
wait_for '^minios: balloon actual 0 pages \(target 0\)' "the driver is up"
out=$T/noreport.log
expect_line "$out" '^minios: balloon features=0x100000006 .* stats=1 report=0 deflate_on_oom=1 queues=3 ' "reporting declined"
expect_line "$out" '^minios: balloon report: free page reporting not negotiated' "no report without the feature"
qmp '{"execute": "qom-set", "arguments": {"path": "/machine/peripheral/bal0", "property": "guest-stats-polling-interval", "value": 1}}' >/dev/null
wait_for '^minios: balloon stats sent 2 ' "statistics on queue 2"
set_target 192
wait_for '^minios: balloon actual 16384 pages \(target 16384\)' "inflate to 192 MiB"
wait_for '^minios: balloon stats sent [0-9]+ total=[0-9]+ ' "statistics"
finish
ok "reporting declined: statistics on queue 2, inflate to 192 MiB"

# 4: a guest that ignores the balloon
start ignore "" "workload=balloon:ignore:touch=32"
wait_for '^minios: balloon ignore target 0 pages \(actual 0\)' "the driver is up"
set_target 128
wait_for '^minios: balloon ignore target 32768 pages \(actual 0\)' "the target seen"
sleep 1
[ "$(actual_mib)" = $RAM_MIB ] || fail "ignore: query-balloon says $(actual_mib) MiB"
finish
ok "a guest that ignores the target keeps its memory"

# 5: hostile buffers; the guest goes on and powers off by itself
start hostile ",free-page-reporting=on" "hostile=balloon-all workload=balloon runtime=2"
wait "$qpid" || fail "hostile: QEMU exit status $?"
tr -d '\r' <"$T/hostile.log" >"$T/hostile.out"
out=$T/hostile.out
for what in "inflate descriptor chained to itself" "two inflate descriptors in a loop" \
	    "inflate buffer 4 GiB long" "report a range at 1 TiB" \
	    "report a range across the end of RAM" "report a range 4 GiB long"; do
	expect_line "$out" "^minios: hostile balloon-[a-z-]+: $what -> needs-reset \\(status 0x4f\\)" "$what"
done
for what in "page number at the end of RAM" "page number at 1 TiB" \
	    "page number of the I/O APIC"; do
	expect_line "$out" "^minios: hostile balloon-pfn-[a-z]+: $what -> (accepted|needs-reset) " "$what"
done
expect_line "$out" '^minios: hostile balloon-all done status=0x[0-9a-f]+ result=(pass|FAIL) after=ok' "the balloon works after the hostile cases"
expect_line "$out" '^minios: balloon actual 0 pages \(target 0\)' "the workload after them"
expect_line "$out" '^minios: action poweroff' "poweroff"
ok "hostile buffers: NEEDS_RESET on broken descriptors, page numbers without RAM ignored, the device usable after a reset"
