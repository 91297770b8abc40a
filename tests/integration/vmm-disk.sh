#!/bin/sh
# hv-vmm run --disk: the options, the target opened and locked as xl opens
# it, every refusal said before the VM is made (so this runs without KVM):
# unknown options, a serial too long, queues out of range, a missing image,
# an image another process has locked read-write, more than 12 disks; with
# KVM, a domain with two disks boots and powers off.
. "$HV_TESTS_SRC/lib.sh"
[ -x "$HV_VMM" ] || skip "hv-vmm is not built ($HV_VMM)"
[ -f "$MINIOS" ] || skip "minios is not built ($MINIOS)"
need_cmd python3

truncate -s 1M "$T/a.img"
truncate -s 1M "$T/b.img"

# refused WHAT MESSAGE ARGS...: hv-vmm exits 1 saying MESSAGE, and only that.
refused() {
	what=$1 msg=$2
	shift 2
	vmm "$T/out" --kernel "$MINIOS" "$@"
	expect_rc 1 "$what"
	grep -qF -- "$msg" "$T/out.err" || { cat "$T/out.err" >&2; fail "$what: no \"$msg\""; }
	[ "$(grep -c 'error' "$T/out.err")" = 1 ] || { cat "$T/out.err" >&2; fail "$what: said twice"; }
}

refused "an unknown option" "--disk $T/a.img,rw: \"rw\" is not ro, direct, serial=NAME, queues=N" \
	--disk "$T/a.img,rw"
refused "a long serial" "serial=abcdefghijklmnopqrstu: at most 20 printable characters" \
	--disk "$T/a.img,serial=abcdefghijklmnopqrstu"
refused "5 queues" "queues \"5\" is not a number from 1 to 4" --disk "$T/a.img,queues=5"
refused "a bad rate" "bps \"fast\" is not a number of bytes per second" --disk "$T/a.img,bps=fast"
refused "a missing image" "disk xvdb: $T/c.img: cannot open it for reading and writing: No such file or directory" \
	--disk "$T/a.img" --disk "$T/c.img"
set --
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13; do set -- "$@" --disk "$T/a.img,ro"; done
refused "13 disks" "--disk $T/a.img,ro: at most 12 disks" "$@"
ok "bad --disk options, a missing image and a 13th disk are refused, said once"

# another process has b.img locked read-write, as a domain would
cat >"$T/hold.py" <<'PY'
import fcntl, os, struct, sys
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.fcntl(fd, fcntl.F_OFD_SETLK, struct.pack("hhqqi", fcntl.F_WRLCK, os.SEEK_SET, 0, 1, 0))
open(sys.argv[2], "w").write("locked\n")
sys.stdin.read()
PY
# it holds the lock until its standard input, a fifo, is closed
mkfifo "$T/hold"
python3 "$T/hold.py" "$T/b.img" "$T/locked" <"$T/hold" &
holder=$!
exec 9>"$T/hold"
wait_line "$T/locked" locked 10 || fail "the test could not lock b.img"
refused "an image locked read-write" "disk xvda: $T/b.img is in use read-write by another process" \
	--disk "$T/b.img"
refused "an image locked read-write, read-only" "$T/b.img is in use read-write" --disk "$T/b.img,ro"
exec 9>&-
wait "$holder"
ok "an image another process has locked is refused, read-write or read-only"

if [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	vmm "$T/out" --kernel "$MINIOS" --cmdline "workload=counter runtime=1" \
		--disk "$T/a.img,serial=first,queues=2,iops=1000" --disk "$T/b.img,ro,bps=1M"
	expect_rc 0 "minios with two disks"
	expect_line "$T/out" "minios: counter" "minios with two disks"
	ok "a domain with two --disk boots and powers off"
fi
exit 0
