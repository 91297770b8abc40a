# hv-vmm: the per-domain VMM.  Devices are listed in devices.c.
# HV_VMM_CORE is what the unit tests and fuzz targets build without KVM.
pkglibexec_PROGRAMS += hypervisor/vmm/hv-vmm
HV_VMM_CORE = \
	hypervisor/vmm/log.c hypervisor/vmm/log.h \
	hypervisor/vmm/io.h hypervisor/vmm/platform.h \
	hypervisor/vmm/loop.c hypervisor/vmm/loop.h \
	hypervisor/vmm/snapshot/state.c hypervisor/vmm/snapshot/state.h \
	hypervisor/vmm/kvm/vm.c hypervisor/vmm/kvm/vm.h \
	hypervisor/vmm/dev/irq.h \
	hypervisor/vmm/dev/uart.c hypervisor/vmm/dev/uart.h \
	hypervisor/vmm/dev/i8042.c hypervisor/vmm/dev/i8042.h \
	hypervisor/vmm/dev/pm.c hypervisor/vmm/dev/pm.h \
	hypervisor/vmm/dev/pvpanic.c hypervisor/vmm/dev/pvpanic.h \
	hypervisor/vmm/dev/pci.c hypervisor/vmm/dev/pci.h \
	hypervisor/vmm/dev/pcihp.c hypervisor/vmm/dev/pcihp.h \
	hypervisor/vmm/virtio/queue.c hypervisor/vmm/virtio/queue.h \
	hypervisor/vmm/virtio/pci.c hypervisor/vmm/virtio/pci.h \
	hypervisor/vmm/virtio/console.c hypervisor/vmm/virtio/console.h \
	hypervisor/vmm/virtio/blk.c hypervisor/vmm/virtio/blk.h \
	hypervisor/vmm/virtio/blkio.c hypervisor/vmm/virtio/blkio.h \
	hypervisor/vmm/virtio/net.c hypervisor/vmm/virtio/net.h \
	hypervisor/vmm/virtio/netq.c hypervisor/vmm/virtio/netq.h \
	hypervisor/vmm/virtio/balloon.c hypervisor/vmm/virtio/balloon.h
# What HV_VMM_CORE links with (disk I/O: io_uring).
HV_VMM_LIBS = $(LIBURING_LIBS)
hypervisor_vmm_hv_vmm_SOURCES = $(HV_VMM_CORE) \
	hypervisor/vmm/main.c hypervisor/vmm/jail.c hypervisor/vmm/jail.h \
	hypervisor/vmm/vmm.h hypervisor/vmm/devices.c \
	hypervisor/vmm/console.c hypervisor/vmm/console.h \
	hypervisor/vmm/ctl.c hypervisor/vmm/ctl.h \
	hypervisor/vmm/hotplug.c hypervisor/vmm/stats.c hypervisor/vmm/stats.h \
	hypervisor/vmm/start.c hypervisor/vmm/start.h $(HV_WIRE_SRC) $(HV_CONFIG_SRC) \
	hypervisor/vmm/standalone.c hypervisor/vmm/standalone.h $(HV_DISK_SRC) \
	hypervisor/vmm/kvm/vcpu.c hypervisor/vmm/kvm/vcpu.h \
	hypervisor/vmm/kvm/kvmstate.c hypervisor/vmm/kvm/kvmstate.h \
	hypervisor/vmm/snapshot/save.c hypervisor/vmm/snapshot/save.h \
	hypervisor/vmm/snapshot/save_int.h \
	hypervisor/vmm/snapshot/coredump.c hypervisor/vmm/snapshot/coredump-elf.c \
	hypervisor/vmm/snapshot/coredump.h \
	hypervisor/vmm/snapshot/migrate.c hypervisor/vmm/snapshot/migrate.h \
	hypervisor/vmm/snapshot/restore.c hypervisor/vmm/snapshot/restore_int.h \
	hypervisor/vmm/snapshot/restore_bg.c $(HV_STREAM_SRC) \
	hypervisor/vmm/boot/boot.h hypervisor/vmm/boot/common.c \
	hypervisor/vmm/boot/pvh.c hypervisor/vmm/boot/bzimage.c
nodist_hypervisor_vmm_hv_vmm_SOURCES = hypervisor/vmm/jail-bpf.h
hypervisor_vmm_hv_vmm_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/hypervisor/vmm \
	-I$(top_srcdir)/hypervisor/shared -I$(top_builddir)/hypervisor/vmm
hypervisor_vmm_hv_vmm_CFLAGS = $(AM_CFLAGS) $(HV_STREAM_CFLAGS) $(HV_CONFIG_CFLAGS) $(LIBURING_CFLAGS)
hypervisor_vmm_hv_vmm_LDADD = $(HV_STREAM_LIBS) $(HV_CONFIG_LIBS) $(HV_VMM_LIBS)

# The jail's seccomp filters, compiled by libseccomp at build time (jail-gen.c).
noinst_PROGRAMS += hypervisor/vmm/jail-gen
hypervisor_vmm_jail_gen_SOURCES = hypervisor/vmm/jail-gen.c
hypervisor_vmm_jail_gen_CFLAGS = $(AM_CFLAGS) $(SECCOMP_CFLAGS)
hypervisor_vmm_jail_gen_LDADD = $(SECCOMP_LIBS)
hypervisor/vmm/jail-bpf.h: hypervisor/vmm/jail-gen$(EXEEXT)
	$(AM_V_GEN)hypervisor/vmm/jail-gen$(EXEEXT) >$@.tmp && mv $@.tmp $@
BUILT_SOURCES += hypervisor/vmm/jail-bpf.h
CLEANFILES += hypervisor/vmm/jail-bpf.h
