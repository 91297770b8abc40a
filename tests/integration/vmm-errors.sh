#!/bin/sh
# Bad input gets a clear message and exit status 1, before any vCPU runs.
. "$HV_TESTS_SRC/lib.sh"
need_kvm

bad() {	# pattern what args...
	pat=$1
	what=$2
	shift 2
	vmm "$T/out" "$@"
	expect_rc 1 "$what"
	expect_line "$T/out.err" "$pat" "$what"
	[ ! -s "$T/out" ] || fail "$what: the guest ran (console output: $(head -c 200 "$T/out"))"
	ok "$what: $(head -n 1 "$T/out.err")"
}

bad 'required' "no kernel"
bad 'No such file' "missing kernel" --kernel "$T/none"
printf 'not a kernel at all' >"$T/text"
bad 'neither a PVH ELF kernel nor a bzImage' "text file as kernel" --kernel "$T/text"
bad 'without a PVH entry note' "ELF without PVH note" --kernel /bin/true
head -c 4000 "$MINIOS" >"$T/short.elf"
bad 'truncated' "truncated ELF" --kernel "$T/short.elf"
head -c 1000 "$MINIOS_BZIMAGE" >"$T/short.bz"
bad 'truncated' "truncated bzImage" --kernel "$T/short.bz"
bad 'whole number from 16' "too little memory" --kernel "$MINIOS" --memory 15
bad 'whole number from 1 to 64' "too many vCPUs" --kernel "$MINIOS" --vcpus 65
bad 'whole number' "bad memory" --kernel "$MINIOS" --memory 12x
bad 'expected stdio, file:PATH, pty or none' "bad console" --kernel "$MINIOS" --console tty
head -c $((20 * 1024 * 1024)) /dev/zero >"$T/big"
bad 'do not fit' "initrd larger than memory" --kernel "$MINIOS" --memory 16 --initrd "$T/big" --cmdline x
