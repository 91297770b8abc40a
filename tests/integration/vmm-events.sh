#!/bin/sh
# Graceful requests: the ACPI power button (SIGUSR1) makes minios power off,
# Ctrl-Alt-Del on the keyboard (SIGUSR2) makes it reboot.
. "$HV_TESTS_SRC/lib.sh"
need_kvm

event() {	# signal expected-status guest-line what
	"$HV_VMM" run --kernel "$MINIOS" --vcpus 2 --cmdline "workload=idle" \
		</dev/null >"$T/out" 2>"$T/out.err" &
	pid=$!
	wait_line "$T/out" '^minios: boot ok' 20 || { kill -9 $pid; fail "$4: no boot"; }
	wait_line "$T/out" '^minios: workload idle' 10 || true
	kill -"$1" $pid
	i=0
	while kill -0 $pid 2>/dev/null && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
	kill -0 $pid 2>/dev/null && { kill -9 $pid; fail "$4: guest did not react in 20 s"; }
	rc=0
	wait $pid || rc=$?
	out=$T/out
	expect_rc "$2" "$4"
	expect_line "$T/out" "$3" "$4"
	ok "$4: exit status $2"
}

event USR1 0 '^minios: power button' "power button"
event USR2 2 '^minios: ctrl-alt-del' "Ctrl-Alt-Del"
