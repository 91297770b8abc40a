#!/bin/sh
# Sealed images (docs/save-stream.md, *Sealed streams*) with minios: xl save
# -k seals a domain's image and xl restore -k with the same key restores
# it (the counter goes on); a bad key file is refused before anything is
# written; and each of these is refused, with a clear message, leaving no
# domain behind: the image without its key, with another key, lazily, with
# a byte of its configuration or of its page data changed (the record's
# CRC made good again, so that only the MAC can tell), cut before its END,
# and an unsealed image given a key.
. "$HV_TESTS_SRC/lib.sh"
. "$HV_TESTS_SRC/integration/xl-lib.sh"

past() { _past=$(last_counter "$1" "$2"); [ -n "$_past" ] && [ "$_past" -gt "$3" ]; }
no_domains() { [ "$("$XL" list 2>/dev/null | awk 'NR > 1 && $2 != 0' | wc -l)" = 0 ]; }

command -v python3 >/dev/null 2>&1 || skip "python3 is needed to alter images"

# refused IMAGE WORDS WHAT ARGS...: xl restore ARGS IMAGE fails, saying
# WORDS (a grep -E pattern), and leaves no domain
refused() {
	_img=$1 _words=$2 _what=$3
	shift 3
	xl_rc 1 restore "$@" "$_img"
	grep -Eq "$_words" "$T/err" || { cat "$T/err" >&2; fail "$_what: the message does not say /$_words/"; }
	grep -q "$(basename "$_img")" "$T/err" || { cat "$T/err" >&2; fail "$_what: the message does not name the file"; }
	no_domains || { "$XL" list >&2; fail "$_what: a domain was left behind"; }
	ok "$_what: refused, nothing left ($(grep -m1 'xl:' "$T/err" | cut -c1-160))"
}

# alter IMAGE OUT WHAT: a copy of the sealed IMAGE with WHAT (config: a
# byte of DOMAIN_CONFIG; pages: a byte of the last PAGE_BATCH's data;
# noend: cut before END) changed, CRCs made good
alter() {
	python3 - "$1" "$2" "$3" <<'EOF'
import struct, sys, zlib
src, dst, what = sys.argv[1:]
d = bytearray(open(src, "rb").read())
assert struct.unpack_from("<I", d, 12)[0] & 8, "not a sealed image"
off, recs = 32 + 48, []
while off < len(d):
    typ, _, ln, _ = struct.unpack_from("<IIII", d, off)
    total = 16 + ((ln + 7) & ~7) + 40
    recs.append((off, typ, ln, total))
    off += total
def fix(o, ln):
    end = o + 16 + ((ln + 7) & ~7)
    struct.pack_into("<I", d, end, zlib.crc32(bytes(d[o:end])) & 0xffffffff)
if what == "config":
    o, _, ln, _ = recs[0]
    d[o + 16 + ln // 2] ^= 0x01
    fix(o, ln)
elif what == "pages":
    o, _, ln, _ = [r for r in recs if r[1] == 4][-1]
    d[o + 16 + ln - 100] ^= 0x01
    fix(o, ln)
elif what == "noend":
    del d[recs[-1][0]:]
open(dst, "wb").write(d)
EOF
}

head -c 32 /dev/urandom >"$T/key"
head -c 64 /dev/urandom >"$T/other.key"
head -c 16 /dev/urandom >"$T/short.key"
chmod 600 "$T/key" "$T/other.key" "$T/short.key"

mkcfg s 'extra = "workload=counter workload=dirty:16:8"'
xl_ok create -q "$T/s.cfg"
wait_line "$(conlog s)" 'minios: counter 5' 20 || fail "s did not boot"

# a key file too short: refused before the image is made, s runs on
xl_rc 1 save -k "$T/short.key" s "$T/s.img"
grep -q "head -c 32 /dev/urandom" "$T/err" || { cat "$T/err" >&2; fail "a short key file: no word on making one"; }
[ ! -e "$T/s.img" ] || fail "a refused key file left an image"
running s || fail "after a refused key file s is $(field s 5)"
ok "a 16-byte key file is refused, saying how to make one"

# an unsealed checkpoint, for the key-with-unsealed case
xl_ok save -q -c s "$T/plain.img"

xl_ok save -k "$T/key" s "$T/s.img"
grep -q "^Saving domain [0-9]* (s) to $T/s.img... done ([^)]*sealed" "$T/err" ||
	{ cat "$T/err" >&2; fail "save -k: the summary does not say sealed"; }
gone s || fail "s is still there after xl save -k"
lines=$(wc -l <"$(conlog s)")
before=$(head -n "$lines" "$(conlog s)" | tr -d '\r' |
	sed -n 's/^minios: counter \([0-9][0-9]*\)$/\1/p' | tail -n 1)
ok "save -k: a sealed image"

check=$(dirname "$HV_VMM")/../shared/stream/hv-streamcheck
if [ -x "$check" ]; then
	"$check" -q --key "$T/key" "$T/s.img" >"$T/out" 2>"$T/err" ||
		{ cat "$T/err" >&2; fail "hv-streamcheck --key refuses the sealed image"; }
	grep -q "sealed" "$T/out" || { cat "$T/out" >&2; fail "hv-streamcheck: the image is not sealed"; }
	! "$check" -q "$T/s.img" >"$T/out" 2>"$T/err" || fail "hv-streamcheck takes a sealed image without its key"
	grep -q "key" "$T/err" || { cat "$T/err" >&2; fail "hv-streamcheck without the key: no word on the key"; }
	ok "hv-streamcheck: valid with --key, refused without"
fi

refused "$T/s.img" "sealed.*-k KEYFILE" "a sealed image without its key"
refused "$T/s.img" "another key" "a sealed image with another key" -k "$T/other.key"
xl_rc 2 restore --lazy -k "$T/key" "$T/s.img"
grep -q "without --lazy" "$T/err" || { cat "$T/err" >&2; fail "restore --lazy -k: no clear message"; }
no_domains || fail "restore --lazy -k left a domain"
ok "restore --lazy -k is refused: a sealed image's pages are checked before it runs"
refused "$T/plain.img" "not sealed" "an unsealed image with a key" -k "$T/key"
alter "$T/s.img" "$T/config.img" config
refused "$T/config.img" "MAC" "a byte of the configuration changed, its CRC made good" -k "$T/key"
alter "$T/s.img" "$T/pages.img" pages
refused "$T/pages.img" "MAC" "a byte of page data changed, its CRC made good" -k "$T/key"
alter "$T/s.img" "$T/noend.img" noend
refused "$T/noend.img" "END|truncated|ends" "the image cut before its END" -k "$T/key"

xl_ok restore -k "$T/key" "$T/s.img"
grep -q "^Restoring from $T/s.img... done: domain [0-9]* (s)" "$T/err" ||
	{ cat "$T/err" >&2; fail "restore -k: no summary"; }
running s || fail "after restore -k s is $(field s 5)"
_log=$(conlog s)
wait_for 20 past "$_log" $((lines + 1)) $((before + 3)) ||
	{ tail -n 20 "$_log" >&2; fail "restore -k: s's counter did not go on"; }
first=$(first_counter "$_log" $((lines + 1)))
[ "$first" = $((before + 1)) ] || { tail -n 20 "$_log" >&2; fail "restore -k: s went on at $first, not $((before + 1))"; }
wait_for 20 sh -c "tail -n +$((lines + 1)) '$_log' | grep -q 'minios: dirty verify ok pages=[1-9]'" ||
	{ tail -n 20 "$_log" >&2; fail "restore -k: no dirty verify after s resumed"; }
ok "restore -k: the counter goes on at $first, the dirty pages verify"
xl_ok destroy s
