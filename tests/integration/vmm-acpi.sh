#!/bin/sh
# hv-vmm --dump-acpi writes the tables it gives the guest; iasl disassembles
# each without errors or checksum warnings.
. "$HV_TESTS_SRC/lib.sh"
need_kvm
need_cmd iasl "apt-get install acpica-tools"

for n in 1 3; do
	mkdir "$T/acpi$n"
	vmm "$T/out" --kernel "$MINIOS" --vcpus $n --dump-acpi "$T/acpi$n" --cmdline "action=poweroff"
	expect_rc 0 "--dump-acpi vcpus=$n"
	for t in xsdt facp apic dsdt; do
		[ -s "$T/acpi$n/$t.dat" ] || fail "vcpus=$n: no $t.dat"
	done
	for f in "$T/acpi$n"/*.dat; do
		case $f in */rsdp.dat) continue ;; esac
		(cd "$T/acpi$n" && iasl -d "$f") >"$T/iasl.log" 2>&1 || { cat "$T/iasl.log"; fail "iasl -d $(basename "$f") failed"; }
		if grep -Eiq 'error|warning|incorrect checksum' "$T/iasl.log" "${f%.dat}.dsl"; then
			grep -Ei 'error|warning|checksum' "$T/iasl.log" "${f%.dat}.dsl" >&2
			fail "vcpus=$n: iasl complains about $(basename "$f")"
		fi
	done
	lapics=$(grep -c 'Subtable Type : 00 \[Processor Local APIC\]' "$T/acpi$n/apic.dsl")
	[ "$lapics" = $n ] || fail "vcpus=$n: MADT lists $lapics local APICs"
	ok "vcpus=$n: $(ls "$T/acpi$n"/*.dat | wc -l) tables, iasl clean, $lapics local APICs"
done
