# hv-vmm: the per-domain VMM.
pkglibexec_PROGRAMS += hypervisor/vmm/hv-vmm
hypervisor_vmm_hv_vmm_SOURCES = \
	hypervisor/vmm/main.c
hypervisor_vmm_hv_vmm_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/hypervisor/vmm
