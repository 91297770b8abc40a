# SPDX-License-Identifier: LGPL-2.1-or-later
"""Errors become the right exceptions; the logger; a closed context."""

import threading
import unittest
from unittest import mock

import hv


class ErrorClassTest(unittest.TestCase):
    def test_one_class_per_code(self):
        codes = [v for k, v in vars(hv.raw).items() if k.startswith("HV_ERROR_")]
        self.assertIn(hv.raw.HV_ERROR_CANCELLED, codes)
        for code in range(min(codes), 0):
            e = hv.errors.error_for_code(code, "msg")
            self.assertIsInstance(e, hv.Error)
            self.assertEqual(e.code, code)
            self.assertEqual(str(e), "msg")
            self.assertIsNot(type(e), hv.Error, "no class for code %d" % code)

    def test_builtins_mixed_in(self):
        self.assertTrue(issubclass(hv.NotFound, LookupError))
        self.assertTrue(issubclass(hv.InvalidConfig, ValueError))
        self.assertTrue(issubclass(hv.PermissionDenied, PermissionError))
        self.assertTrue(issubclass(hv.TimedOut, TimeoutError))
        self.assertTrue(issubclass(hv.Cancelled, hv.Error))

    def test_message_defaults_to_strerror(self):
        self.assertEqual(str(hv.NotFound()), hv.strerror(hv.raw.HV_ERROR_NOTFOUND))


class ContextTest(unittest.TestCase):
    def test_close_idempotent_and_closed_use(self):
        ctx = hv.Context()
        with ctx:
            ctx.parse_config({"name": "a", "kernel": "/k"})
        self.assertTrue(ctx.closed)
        ctx.close()
        ctx.close()
        with self.assertRaises(hv.ContextClosed) as cm:
            ctx.domains()
        self.assertIn("closed", str(cm.exception))
        with self.assertRaises(hv.ContextClosed):
            ctx.parse_config({"name": "a"})
        with self.assertRaises(hv.ContextClosed):
            with ctx:
                pass

    def test_finalizer(self):
        import gc
        ctx = hv.Context()
        fin = ctx._finalizer
        del ctx
        gc.collect()
        self.assertFalse(fin.alive)

    def test_logger_gets_messages(self):
        got = []
        with hv.Context(logger=lambda lvl, msg: got.append((lvl, msg)),
                        log_level=hv.LOG_DEBUG) as ctx:
            with self.assertRaises(hv.InvalidConfig):
                ctx.parse_config({"name": "x", "bogus": 1})
        self.assertTrue(any(lvl == hv.LOG_ERROR and "bogus" in msg for lvl, msg in got), got)

    def test_logger_from_threads(self):
        """The logger runs in whichever thread made the call, with the GIL."""
        seen = set()
        lock = threading.Lock()

        def logger(lvl, msg):
            with lock:
                seen.add(threading.current_thread().name)

        ctx = hv.Context(logger=logger, log_level=hv.LOG_DEBUG)

        def work():
            for _ in range(20):
                try:
                    ctx.parse_config({"name": "x", "bogus": 1})
                except hv.InvalidConfig:
                    pass
        threads = [threading.Thread(target=work, name="w%d" % i) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        ctx.close()
        self.assertEqual(len(seen), 8)

    def test_raising_logger_is_reported_not_fatal(self):
        def logger(lvl, msg):
            raise RuntimeError("logger broke")
        reported = []
        with mock.patch("sys.unraisablehook", reported.append):
            with hv.Context(logger=logger, log_level=hv.LOG_DEBUG) as ctx:
                with self.assertRaises(hv.InvalidConfig):
                    ctx.parse_config({"name": "x", "bogus": 1})
        self.assertTrue(reported)
        self.assertIsInstance(reported[0].exc_value, RuntimeError)

    def test_raw_none_arguments(self):
        with self.assertRaises(ValueError):
            hv.raw.hv_config_validate(None, None, 0)


if __name__ == "__main__":
    unittest.main()
