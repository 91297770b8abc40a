#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Lists the domains as a table, like "xl list"."""

import sys

import hv


def main() -> int:
    try:
        with hv.Context() as ctx:
            doms = ctx.domains()
    except hv.Error as e:
        print("list-domains: %s" % e, file=sys.stderr)
        return 1
    print("%-24s %5s %8s %5s  %-8s %10s" % ("Name", "ID", "Mem(MiB)", "VCPUs", "State", "Time(s)"))
    for d in doms:
        print("%-24s %5d %8d %5d  %-8s %10.1f" % (d.name, d.domid, d.memory, d.vcpus,
                                                d.state.name.lower(), d.cpu_time))
    return 0


if __name__ == "__main__":
    sys.exit(main())
