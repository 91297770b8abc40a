# minios: the bundled test guest (see hypervisor/minios/README).
#
# A freestanding kernel, built with its own flags (not AM_CFLAGS, which may
# carry host sanitizer flags). Products, installed in $(pkgdatadir)/minios:
#   minios          ELF with a PVH entry note
#   minios.bzImage  the same kernel as a Linux bzImage (64-bit entry)
MINIOS_CFLAGS = -std=gnu11 -O2 -ffreestanding -nostdlib -fno-pie \
	-fno-stack-protector -fno-stack-check -fcf-protection=none \
	-mgeneral-regs-only -mno-red-zone -mcmodel=small \
	-fno-asynchronous-unwind-tables -fno-unwind-tables \
	-fno-tree-loop-distribute-patterns -fno-common \
	$(HV_WARN_CFLAGS)
MINIOS_LINKOPTS = -nostdlib -static -no-pie -Wl,--build-id=none \
	-Wl,-z,max-page-size=4096 -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments \
	-Wl,-T,$(top_srcdir)/hypervisor/minios/minios.ld

miniosdir = $(pkgdatadir)/minios
minios_PROGRAMS = hypervisor/minios/minios
minios_DATA = hypervisor/minios/minios.bzImage
dist_minios_DATA = hypervisor/minios/README

hypervisor_minios_minios_SOURCES = \
	hypervisor/minios/minios.h \
	hypervisor/minios/main.c \
	hypervisor/minios/console.c \
	hypervisor/minios/trap.c \
	hypervisor/minios/acpi.c \
	hypervisor/minios/pci.c \
	hypervisor/minios/apic.c \
	hypervisor/minios/kbd.c \
	hypervisor/minios/virtio.c \
	hypervisor/minios/hostile.c \
	hypervisor/minios/lib.c \
	hypervisor/minios/user.c \
	hypervisor/minios/uvirtio.h \
	hypervisor/minios/uvirtio.c \
	hypervisor/minios/ublk.h \
	hypervisor/minios/ublk.c \
	hypervisor/minios/ublkwl.c \
	hypervisor/minios/ublkbench.c \
	hypervisor/minios/ublkhostile.c \
	hypervisor/minios/unet.h \
	hypervisor/minios/unet.c \
	hypervisor/minios/unetip.c \
	hypervisor/minios/unetwl.c \
	hypervisor/minios/unetstat.c \
	hypervisor/minios/unethostile.c \
	hypervisor/minios/uballoon.h \
	hypervisor/minios/uballoon.c \
	hypervisor/minios/uballoonhostile.c
hypervisor_minios_minios_CPPFLAGS = -I$(top_srcdir)/hypervisor/minios
hypervisor_minios_minios_CFLAGS = $(MINIOS_CFLAGS)
hypervisor_minios_minios_LDFLAGS = $(MINIOS_LINKOPTS)
hypervisor_minios_minios_LDADD = hypervisor/minios/head.o
hypervisor_minios_minios_DEPENDENCIES = hypervisor/minios/head.o \
	$(top_srcdir)/hypervisor/minios/minios.ld

# The assembly is built with $(CC) directly (no AM_PROG_AS needed).
hypervisor/minios/head.o: $(top_srcdir)/hypervisor/minios/head.S
	@$(MKDIR_P) hypervisor/minios
	$(AM_V_CC)$(CC) $(MINIOS_CFLAGS) -c -o $@ $(top_srcdir)/hypervisor/minios/head.S

hypervisor/minios/minios.bin: hypervisor/minios/minios
	$(AM_V_GEN)$(OBJCOPY) -O binary $< $@

hypervisor/minios/bzimage.o: $(top_srcdir)/hypervisor/minios/bzimage.S \
		hypervisor/minios/minios.bin
	$(AM_V_CC)$(CC) $(MINIOS_CFLAGS) \
		-DMINIOS_BIN='"hypervisor/minios/minios.bin"' \
		-c -o $@ $(top_srcdir)/hypervisor/minios/bzimage.S

hypervisor/minios/minios.bzImage: hypervisor/minios/bzimage.o
	$(AM_V_GEN)$(CC) $(MINIOS_CFLAGS) -nostdlib -static -no-pie \
		-Wl,--build-id=none -Wl,-Ttext=0 -Wl,-z,noexecstack \
		-o $@.elf hypervisor/minios/bzimage.o && \
	$(OBJCOPY) -O binary -j .text $@.elf $@ && rm -f $@.elf

CLEANFILES += hypervisor/minios/head.o hypervisor/minios/minios.bin \
	hypervisor/minios/bzimage.o hypervisor/minios/minios.bzImage
EXTRA_DIST += hypervisor/minios/README hypervisor/minios/head.S \
	hypervisor/minios/bzimage.S hypervisor/minios/minios.ld
