#!/bin/sh
# xl as Xen users know it, where no running domain is needed (hvd starts
# and answers without KVM, so this runs everywhere): command names
# shortened as Xen's xl takes them, Xen's commands hv refuses (with why,
# exit status 1), the global options (-N's dry runs), Xen's keys of
# xl info, Domain-0 (the host) in list, uptime and vcpu-list and refused
# where a command acts on a domain, the triggers hv refuses, dmesg (hvd's
# log), the exit statuses of xl(1), and the bash completion.
. "$HV_TESTS_SRC/lib.sh"
. "$HV_TESTS_SRC/integration/xl-hvd-lib.sh"

# --- the host as Domain-0 ---------------------------------------------------
cpus=$(getconf _NPROCESSORS_ONLN)
x 0 list
awk 'NR == 2' "$T/out" | grep -qE '^Domain-0 +0 +[0-9]+ +'"$cpus"' +r----- +[0-9]+\.[0-9]$' ||
	{ cat "$T/out" >&2; fail "xl list: no Domain-0 row (id 0, $cpus vCPUs, r-----)"; }
[ "$(wc -l <"$T/out")" = 2 ] || fail "xl list: rows besides Domain-0 with no domain"
head -n 1 "$T/out" | grep -q '^Name  *ID   Mem VCPUs	State	Time(s)$' ||
	fail "xl list: not Xen's header"
mem=$(awk 'NR == 2 { print $3 }' "$T/out")
total=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)
[ "$mem" -gt 0 ] && [ "$mem" -le "$total" ] || fail "xl list: Domain-0 has $mem MiB of $total"
for d in 0 Domain-0 00; do
	x 0 list "$d"
	[ "$(awk 'NR == 2 { print $1, $2 }' "$T/out")" = "Domain-0 0" ] || fail "xl list $d"
done
x 0 li
says "$T/out" Domain-0
x 0 list -c -n -Z
head -n 1 "$T/out" | grep -q 'Security Label  *Cpupool NODE Affinity$' || fail "list -c -n -Z: header"
awk 'NR == 2' "$T/out" | grep -qE ' +- +Pool-0 all$' || { cat "$T/out" >&2; fail "list -c -n -Z: row"; }
x 0 list --cpupool --numa --context
x 0 list -v
awk 'NR == 2' "$T/out" | grep -qE ' 00000000-0000-0000-0000-000000000000 +- +-$' ||
	{ cat "$T/out" >&2; fail "list -v: Domain-0's UUID, reason and label"; }
x 0 list -l
[ "$(tr -d ' \n' <"$T/out")" = "[]" ] || fail "xl list -l: Domain-0 is not one of hv's domains"
x 0 vm-list
[ "$(wc -l <"$T/out")" = 1 ] || fail "xl vm-list lists Domain-0"
x 0 uptime
awk 'NR == 2' "$T/out" | grep -qE '^Domain-0 +0 +([0-9]+ days?, +)?[0-9]+:[0-9]{2}:[0-9]{2}$' ||
	{ cat "$T/out" >&2; fail "xl uptime: Domain-0's row"; }
x 0 uptime -s
grep -qE '^ [0-9]{2}:[0-9]{2}:[0-9]{2} up ([0-9]+ days?, +)?[0-9 ]?[0-9]:[0-9]{2}, Domain-0 \(0\)$' "$T/out" ||
	{ cat "$T/out" >&2; fail "xl uptime -s: not Xen's short form"; }
x 0 vcpu-list
[ "$(awk '$1 == "Domain-0"' "$T/out" | wc -l)" = "$cpus" ] || fail "vcpu-list: not $cpus rows for Domain-0"
awk '$1 == "Domain-0" && ($2 != 0 || $3 != $4 || ($5 != "r--" && $5 != "-b-"))' "$T/out" | grep -q . &&
	{ cat "$T/out" >&2; fail "vcpu-list: Domain-0's rows"; }
x 0 domid Domain-0
[ "$(cat "$T/out")" = 0 ] || fail "domid Domain-0"
x 0 domname 0
[ "$(cat "$T/out")" = Domain-0 ] || fail "domname 0"
ok "Domain-0 in list (-c, -n, -Z, -v), uptime (-s), vcpu-list, domid, domname; not in list -l, vm-list"

for c in "destroy 0" "destroy -f Domain-0" "pause 0" "unpause Domain-0" "shutdown 0" \
	"reboot Domain-0" "save 0 $T/img" "mem-set 0 512" "mem-max 0 1g" "rename 0 host" \
	"console 0" "trigger 0 nmi" "sysrq 0 h" "block-list 0" "network-list Domain-0"; do
	# shellcheck disable=SC2086
	x 1 $c
	says "$T/err" "Domain-0 (domain 0) is the host, not a domain hv runs"
done
[ ! -e "$T/img" ] || fail "save 0 wrote an image"
mkcfg host 'name = "Domain-0"'
x 1 create -n "$T/host.cfg"
says "$T/err" '"Domain-0" is what xl calls the host (domain 0)'
ok "commands that act on a domain refuse Domain-0 (exit 1); no domain may be called Domain-0"

# --- command names ------------------------------------------------------------
x 0 vcpu-l
says "$T/out" "Affinity (Hard / Soft)"
x 1 dom Domain-0
says "$T/err" "it begins domid domname domxml"
x 1 s
says "$T/err" "'s' is ambiguous"
says "$T/err" "shutdown"
says "$T/err" "sysrq"
x 1 sh
says "$T/err" "shutdown sharing"
x 1 frobnicate
says "$T/err" "unknown command 'frobnicate'"
x 0 help li
says "$T/out" "Usage: xl list"
x 0 list --help
says "$T/out" "Usage: xl list"
x 1 cpupool-l
says "$T/err" "xl: cpupool-list: not supported by hv: "
ok "a unique prefix names its command (li, vcpu-l); an ambiguous one lists the candidates"

for c in suspend resume remus cd-insert \
	cd-eject vncviewer channel-list claims sharing vcpu-set \
	sched-rtds cpupool-create cpupool-list cpupool-destroy cpupool-rename \
	cpupool-cpu-add cpupool-cpu-remove cpupool-migrate cpupool-numa-split debug-keys \
	set-parameters getenforce setenforce loadpolicy devd xenstore-quota-get \
	xenstore-quota-set dt-overlay qemu-monitor-command tmem-list tmem-freeze tmem-thaw \
	tmem-set tmem-shared-auth tmem-freeable psr-hwinfo psr-cmt-attach psr-cmt-detach \
	psr-cmt-show psr-cat-set psr-cat-show psr-mba-set psr-mba-show pci-attach pci-detach \
	pci-list pci-assignable-add pci-assignable-remove pci-assignable-list usbctrl-attach \
	usbctrl-detach usbdev-attach usbdev-detach usb-list vtpm-attach vtpm-list vtpm-detach \
	vkb-attach vkb-list vkb-detach vdispl-attach vdispl-list vdispl-detach vsnd-attach \
	vsnd-list vsnd-detach; do
	x 1 "$c" guest
	grep -qE "^xl: $c: not supported by hv: .{12,}" "$T/err" ||
		{ cat "$T/err" >&2; fail "xl $c: not refused with the reason"; }
done
ok "Xen's commands hv does not have: not supported, why, exit status 1"

# --- global options -------------------------------------------------------------
x 1 -N list
says "$T/err" "list: has no dry run (-N)"
x 1 -N destroy nosuch
says "$T/err" 'domain "nosuch": no such domain'
x 1 -N destroy 0
x 0 -N dmesg -c
says "$T/out" "Dry run: would print hvd's log and empty it"
x 0 dmesg
says "$T/out" "ready on $HV_RUNDIR/hvd.sock"
mkcfg dry
x 0 -N create "$T/dry.cfg"
says "$T/out" '"name": "dry"'
x 0 create --dryrun "$T/dry.cfg"
says "$T/out" '"name": "dry"'
x 0 create --quiet --dryrun --defconfig="$T/dry.cfg"
says "$T/out" '"name": "dry"'
x 0 list
[ "$(wc -l <"$T/out")" = 2 ] || fail "a dry run created a domain"
x 0 -vNfT create "$T/dry.cfg"
x 1 -x list
says "$T/err" "unknown global option -x"
x 2 list --dryrun
says "$T/err" "unknown option --dryrun"
x 2 list -x
x 0 -t list
ok "global options: -N (dry runs, refused where a command has none), -v -f -t -T, long options"

# --- xl info --------------------------------------------------------------------
x 0 info
keys=$(sed -n 's/^\([a-z_0-9]*\) *: .*/\1/p' "$T/out" | tr '\n' ' ')
xen="host release version machine nr_cpus max_cpu_id nr_nodes cores_per_socket threads_per_core cpu_mhz hw_caps virt_caps total_memory free_memory sharing_freed_memory sharing_used_memory outstanding_claims free_cpus xen_major xen_minor xen_extra xen_version xen_caps xen_scheduler xen_pagesize platform_params xen_changeset xen_commandline cc_compiler cc_compile_by cc_compile_domain cc_compile_date build_id xend_config_format "
case $keys in
"$xen"*) ;;
*) cat "$T/out" >&2; fail "xl info: Xen's keys are not first, in Xen's order" ;;
esac
grep -qE '^[a-z_]{1,22} +: ' "$T/out" && ! grep -vqE '^[a-z_0-9]+ *: ' "$T/out" ||
	fail "xl info: not \"key : value\" lines"
awk -F: '{ if (length($1) != 23) exit 1 }' "$T/out" || fail "xl info: keys not padded to 23 columns"
says "$T/out" "hv_version             :"
grep -qE '^hw_caps +: ([0-9a-f]{8}:){7}[0-9a-f]{8}$' "$T/out" || fail "xl info: hw_caps"
grep -qE '^cpu_mhz +: [0-9]+\.[0-9]{3}$' "$T/out" || fail "xl info: cpu_mhz"
grep -qE "^nr_cpus +: $cpus$" "$T/out" || fail "xl info: nr_cpus"
grep -q '^xend_config_format     : 4$' "$T/out" || fail "xl info: xend_config_format"
v=$(sed -n 's/^hv_version *: //p' "$T/out")
grep -qx "xen_version            : $v" "$T/out" || fail "xl info: xen_version is not hv's version ($v)"
x 0 info xen_version
[ "$(cat "$T/out")" = "$v" ] || fail "xl info xen_version: $(cat "$T/out")"
x 0 info host
[ "$(cat "$T/out")" = "$(uname -n)" ] || fail "xl info host: not only the host's name"
x 0 info xend_config
[ "$(cat "$T/out")" = 4 ] || fail "xl info xend_config (a prefix)"
x 1 info no_such_key
says "$T/err" 'no key is or starts with "no_such_key"'
x 0 info -n
says "$T/out" "cpu_topology           :"
says "$T/out" "numa_info              :"
x 2 info -n host
ok "xl info: Xen's keys in Xen's order and layout, then hv's; info FIELD; info -n"

# --- triggers and other refusals ------------------------------------------------------
for t in sleep init s3resume; do
	x 1 trigger guest "$t"
	says "$T/err" "xl: trigger $t: not supported by hv: "
done
x 1 trigger guest frobnicate
says "$T/err" '"frobnicate" is not a trigger'
x 1 button-press guest sleep
says "$T/err" "button-press sleep: not supported by hv"
x 1 button-press guest pwr
x 1 sysrq guest ab
x 1 trigger nosuch nmi
says "$T/err" 'domain "nosuch": no such domain'
x 2 trigger guest reset 1
x 2 trigger guest
x 1 console -t vuart guest
x 1 console -n 1 guest
x 2 console -e ab guest
ok "triggers, buttons, keys and console types hv lacks: refused with why (exit 1)"

# --- dmesg ----------------------------------------------------------------------------
x 0 dmesg -c
says "$T/out" "ready on $HV_RUNDIR/hvd.sock"
x 0 dmesg
grep -q "ready on" "$T/out" && fail "dmesg -c did not empty hvd's log"
says "$T/out" "log emptied, as asked (xl dmesg -c)"
x 0 dmesg --clear
x 2 dmesg extra
ok "dmesg prints hvd's log; -c empties it"

# --- bash completion ------------------------------------------------------------------
if command -v bash >/dev/null 2>&1; then
	mkdir "$T/files"
	: >"$T/files/guest.cfg"
	: >"$T/files/other.img"
	cat >"$T/complete.sh" <<'EOF'
. "$1"
shift
xl=$1
shift
complete -p xl | grep -q -- '-F _hv_xl xl$' || { echo "no complete -F _hv_xl xl"; exit 1; }
# comp WORDS...: the completions of the last word
comp() {
	COMP_WORDS=("$xl" "$@")
	COMP_CWORD=$(($# ))
	COMPREPLY=()
	_hv_xl
	[ ${#COMPREPLY[@]} -eq 0 ] || printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' '
}
want() {
	got=$(comp "${@:2}")
	[ "$got" = "$1" ] || { echo "xl ${*:2}: got '$got', want '$1'"; exit 1; }
}
want "list " li
want "vcpu-list vcpu-pin vm-list " v
want "all " vcpu-pin dom a
want "all " vcpu-pin dom 0 a
want "save sched-credit sched-credit2 shutdown sysrq " s
want "-N " -N
want "trigger " -N tri
want "Domain-0 " list D
want "" destroy D
want "Domain-0 " vcpu-l ""
want "init nmi power reset s3resume sleep " trigger dom ""
want "power sleep " button-press dom ""
want "--cpupool " list --cpu
want "-Z " list -Z
want "--help " pause --h
want "pv serial " console -t ""
want "Pool-0 " sched-credit -p ""
want "--help -c -d -h -p -w " sched-credit2 -
cd "$FILES" || exit 1
want "guest.cfg " create g
want "guest.cfg " create -p g
want "other.img " save dom o
want "other.img " save -k o
want "other.img " migrate-receive --key o
want "other.img " restore -k o
EOF
	FILES=$T/files bash "$T/complete.sh" "$HV_TESTS_SRC/../xl/bash-completion/xl" "$XL" ||
		fail "bash completion"
	ok "bash completion: commands, prefixes, options, Domain-0 where it fits, triggers, files"
fi

# --- exit statuses --------------------------------------------------------------------
x 1
x 0 help
x 0 -h
x 2 help a b
x 2 list -x
ok "exit statuses: 0, 1 (failed, unknown, refused), 2 (usage)"
exit 0
