# SPDX-License-Identifier: LGPL-2.1-or-later
"""The examples run, as a user would run them, against hvd (no domain
needed); with KVM, create-and-wait.py runs a domain to its end."""

import json
import os
import subprocess
import sys
import unittest

from hvtest import MINIOS, SRC, TMP, minios_config, needs_kvm, scaled

EXAMPLES = os.path.join(SRC, "bindings", "python", "examples")


def run(name, *args, timeout=60):
    return subprocess.run([sys.executable, os.path.join(EXAMPLES, name)] + list(args),
                          capture_output=True, text=True, timeout=timeout)


class ExamplesTest(unittest.TestCase):
    def test_list_domains(self):
        r = run("list-domains.py")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout.splitlines()[0], r"^Name +ID +Mem\(MiB\) +VCPUs +State")

    def test_usage(self):
        for name in ("save-all.py", "create-and-wait.py"):
            r = run(name)
            self.assertEqual(r.returncode, 2, name)
            self.assertIn(name, r.stderr)

    def test_create_and_wait_bad_config(self):
        path = os.path.join(TMP, "example-bad.cfg")
        with open(path, "w") as f:
            f.write('name = "bad"\nmemory = "12x"\n')
        r = run("create-and-wait.py", path)
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r"^create-and-wait: %s:2: memory: " % path)

    def test_save_all_with_nothing_running(self):
        r = run("save-all.py", os.path.join(TMP, "saved"))
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_watch_events_for_a_while(self):
        r = run("watch-events.py", "0.5")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "")

    @needs_kvm
    def test_create_and_wait(self):
        cfg = minios_config("py-example", cmdline="workload=counter runtime=1")
        r = run("create-and-wait.py", json.dumps(cfg), timeout=scaled(60))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("py-example: powered off", r.stdout)
        self.assertTrue(os.path.isfile(MINIOS))


if __name__ == "__main__":
    unittest.main()
