#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Saves every running domain to DIR/<name>.img, with a progress bar.

    save-all.py DIR [--continue]

With --continue the domains run on after their save; without, they are
gone once their image is complete (restore them with "xl restore").
Ctrl-C cancels the save in progress: that domain is left as it was.
"""

import os
import sys

import hv


def bar(name):
    def progress(done, total):
        width = 40
        frac = done / total if total else 1.0
        sys.stderr.write("\r%-20s [%-*s] %3d%%" % (name[:20], width, "#" * int(frac * width),
                                                   int(frac * 100)))
        sys.stderr.flush()
    return progress


def main(argv) -> int:
    if len(argv) < 2 or argv[1].startswith("-"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    outdir, cont = argv[1], "--continue" in argv[2:]
    os.makedirs(outdir, exist_ok=True)
    failed = 0
    with hv.Context() as ctx:
        for dom in ctx.domains():
            if dom.state != hv.State.RUNNING:
                continue
            path = os.path.join(outdir, dom.name + ".img")
            try:
                dom.save(path, progress=bar(dom.name), continue_=cont)
                sys.stderr.write("  saved to %s\n" % path)
            except KeyboardInterrupt:
                sys.stderr.write("  cancelled; %s runs on\n" % dom.name)
                return 130
            except hv.Error as e:
                sys.stderr.write("\n%s: %s\n" % (dom.name, e))
                failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
