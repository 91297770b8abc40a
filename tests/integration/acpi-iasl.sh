#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The guest's ACPI tables, built by tests/acpi-dump (the code hv-vmm uses),
# checked by ACPICA's iasl: every table disassembles with no error and no
# firmware warning (a bad checksum is one), the disassembly compiles back,
# and the data tables compile back to the same bytes.
set -u

IASL=${IASL:-iasl}
if ! command -v "$IASL" >/dev/null 2>&1; then
	echo "SKIP: iasl not found (install the Debian package acpica-tools)"
	exit 77
fi
dump=${top_builddir:?}/tests/acpi-dump
if [ ! -x "$dump" ]; then
	echo "FAIL: $dump is not built (make check builds it)"
	exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/acpi-iasl.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
failed=0

fail() {
	echo "FAIL: $*"
	failed=1
}

# Sum of the first $2 bytes of file $1, modulo 256.
bytesum() {
	od -An -v -tu1 -N "$2" "$1" |
		awk '{ for (i = 1; i <= NF; i++) s += $i } END { print s % 256 }'
}

for n in 1 4 64; do
	dir=$work/$n
	mkdir "$dir" || exit 1
	if ! "$dump" "$n" "$dir"; then
		fail "acpi-dump $n failed"
		continue
	fi
	for t in rsdp xsdt facp facs apic dsdt ssdt; do
		[ -s "$dir/$t.dat" ] || fail "$n vCPUs: no $t.dat"
	done

	# This iasl cannot disassemble an RSDP: check it here.
	rsdp=$dir/rsdp.dat
	if [ -s "$rsdp" ]; then
		[ "$(head -c 8 "$rsdp")" = "RSD PTR " ] ||
			fail "$n vCPUs: RSDP signature"
		[ "$(wc -c <"$rsdp")" -eq 36 ] || fail "$n vCPUs: RSDP length"
		[ "$(bytesum "$rsdp" 20)" -eq 0 ] ||
			fail "$n vCPUs: RSDP checksum"
		[ "$(bytesum "$rsdp" 36)" -eq 0 ] ||
			fail "$n vCPUs: RSDP extended checksum"
	fi

	cd "$dir" || exit 1
	for dat in *.dat; do
		t=${dat%.dat}
		[ "$t" = rsdp ] && continue
		if ! "$IASL" -d "$dat" >"$t.dis.log" 2>&1; then
			cat "$t.dis.log"
			fail "$n vCPUs: iasl -d $dat exited with an error"
			continue
		fi
		if grep -Ei 'error|warning|incorrect|invalid|not contain' \
			"$t.dis.log"; then
			fail "$n vCPUs: iasl -d $dat complained"
		fi
		if grep -i 'incorrect' "$t.dsl"; then
			fail "$n vCPUs: $t.dsl notes a bad value"
		fi
		"$IASL" -vs "$t.dsl" >"$t.asm.log" 2>&1
		if ! grep -q 'Compilation successful.* 0 Errors, 0 Warnings' \
			"$t.asm.log"; then
			cat "$t.asm.log"
			fail "$n vCPUs: $t.dsl does not compile back cleanly"
			continue
		fi
		case $t in
		dsdt|ssdt*)
			;;
		*)
			# Same bytes after the header (whose compiler id and
			# checksum iasl rewrites).
			if [ "$(tail -c +37 "$t.aml" | od -An -v -tx1)" != \
			     "$(tail -c +37 "$dat" | od -An -v -tx1)" ]; then
				fail "$n vCPUs: $t recompiles to different bytes"
			fi
			;;
		esac
	done
	cd - >/dev/null || exit 1
	# The summary iasl gives for each table.
	sed -n 's/^ACPI: /  /p' "$dir"/*.dis.log
	echo "$n vCPUs: checked $(ls "$dir"/*.dat | wc -l) tables"
done

exit $failed
