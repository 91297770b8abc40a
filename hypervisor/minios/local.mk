# minios: the bundled test guest (see hypervisor/minios/README).
