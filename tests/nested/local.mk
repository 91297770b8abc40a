# Nested tests: Linux guests one level down.  tests/nested/run boots an outer
# Linux host under QEMU TCG (emulated SVM) whose kvm_amd gives hv-vmm a
# hardware-style /dev/kvm; see tests/nested/README.

# A tiny static KVM client for the harness self-test (static: the outer host
# has no libc of its own).  No sanitizers: they do not link statically.
check_PROGRAMS += tests/nested/kvmcheck
tests_nested_kvmcheck_SOURCES = tests/nested/kvmcheck.c
tests_nested_kvmcheck_CFLAGS = $(HV_WARN_CFLAGS) -fno-strict-aliasing
tests_nested_kvmcheck_LDFLAGS = -all-static

TESTS += tests/nested/harness.sh

# Debian's kernel under hv-vmm, one nested boot each (seconds each); run
# just these with  make check TESTS='$(NESTED_LINUX_TESTS)'
NESTED_LINUX_TESTS = \
	tests/nested/linux-bzimage-1cpu.sh \
	tests/nested/linux-bzimage-2cpu.sh \
	tests/nested/linux-pvh-1cpu.sh \
	tests/nested/linux-pvh-2cpu.sh \
	tests/nested/linux-reboot.sh \
	tests/nested/linux-powerbutton.sh \
	tests/nested/linux-ctrlaltdel.sh \
	tests/nested/linux-panic.sh \
	tests/nested/linux-xl.sh \
	tests/nested/linux-save.sh \
	tests/nested/linux-migrate.sh \
	tests/nested/linux-hotplug.sh \
	tests/nested/linux-blk.sh \
	tests/nested/linux-net.sh \
	tests/nested/linux-balloon.sh
TESTS += $(NESTED_LINUX_TESTS)

EXTRA_DIST += \
	tests/nested/README \
	tests/nested/run \
	tests/nested/inner-init \
	tests/nested/on-output \
	tests/nested/linux-lib.sh \
	tests/nested/harness.sh \
	tests/nested/xl-outer.sh \
	tests/nested/save-outer.sh \
	tests/nested/migrate-outer.sh \
	tests/nested/counter-lib.sh \
	tests/nested/blk-init \
	tests/nested/hotplug-outer.sh \
	tests/nested/net-outer.sh \
	tests/nested/balloon-outer.sh \
	$(NESTED_LINUX_TESTS)

# The harness caches the vmlinux it extracts and the initramfs images here.
clean-local: clean-local-nested
clean-local-nested:
	-rm -rf tests/nested/cache
.PHONY: clean-local-nested
