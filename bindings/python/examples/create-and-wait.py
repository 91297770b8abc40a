#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Creates a domain and waits for its end, saying how it ended.

    create-and-wait.py CONFIG [KEY=VALUE...]

CONFIG is an xl.cfg file, a .json file or JSON text; KEY=VALUE overrides
one of its settings, as after the file name of "xl create".  Exits 0 when
the guest powered off, 3 when it crashed, 1 on an error.  Ctrl-C stops
waiting; the domain runs on.
"""

import sys

import hv


def main(argv) -> int:
    if len(argv) < 2 or argv[1].startswith("-"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        with hv.Context() as ctx:
            dom = ctx.create(argv[1], overrides=argv[2:])
            print("%s: domain %d, %d MiB, %d vCPU(s)" % (dom.name, dom.domid, dom.memory,
                                                        dom.vcpus))
            try:
                why = dom.wait()
            except KeyboardInterrupt:
                print("%s: no longer waiting; it runs on" % dom.name, file=sys.stderr)
                return 130
    except hv.Error as e:
        print("create-and-wait: %s" % e, file=sys.stderr)
        return 1
    ended = {hv.ShutdownCode.POWEROFF: "powered off", hv.ShutdownCode.REBOOT: "rebooted",
             hv.ShutdownCode.CRASH: "crashed", hv.ShutdownCode.NONE: "was destroyed"}
    print("%s: %s" % (dom.name, ended.get(why, "ended") if why is not None else "is gone"))
    return 3 if why == hv.ShutdownCode.CRASH else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
