# SPDX-License-Identifier: Apache-2.0
"""test_hooks.py -- the test hooks (AZK_ALLOC_FAIL_AFTER: fail the N-th
allocation; AZK_TEST_PAUSE: stop forever at a named step of the retention
run; AZK_TEST_GATE: hold an approval between its checks and its store
transaction, used by test_races.py; `guard icap --no-ledger`; the hidden
`audit append`) exist only in
test builds. A release build (AZK_TESTS=OFF, the build of
the demo and the benchmarks) must ignore them: a variable left in a
production environment must not make deletion hang or scans fail.

The test build (AZK_BIN) is checked to honour them, so the checks of the
release build (AZK_RELEASE_BIN, built by the CTest fixture
release_check_build) are known to be able to fail.
Synthetic generated data only.
"""

import calendar
import os
import select
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import azk_testlib as T  # noqa: E402
from test_intake import HEADER, Home, synthetic_rows  # noqa: E402
from test_retention import faked_env  # noqa: E402

NOW_PAST = "2031-01-10T03:00:00Z"
HOOK_NAMES = (b"AZK_ALLOC_FAIL_AFTER", b"AZK_TEST_PAUSE", b"AZK_TEST_GATE")


def release_bin():
    b = os.environ.get("AZK_RELEASE_BIN")
    if not b:
        raise AssertionError("AZK_RELEASE_BIN not set (run through ctest: "
                             "the release_check_build fixture builds it)")
    if not os.access(b, os.X_OK):
        raise AssertionError("release build missing: " + b)
    return b


def azukari_libs(binary):
    """The libazukari shared objects the binary loads (ldd), at least one."""
    out = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
    libs = [line.split("=>")[1].split()[0] for line in out.splitlines()
            if "libazukari" in line and "=>" in line]
    if not libs:
        raise AssertionError(binary + " does not load libazukari:\n" + out)
    return libs


class HooksCase:
    """Checks run against one binary; `honoured` says what to expect."""

    binary = None
    honoured = None

    def setUp(self):
        self.tmp = T.TempDir()
        self.h = Home(self.tmp.path)
        self.h.bin = self.binary()
        self.text = self.h.write("note.txt", "nothing personal in here\n".encode())

    def tearDown(self):
        self.tmp.__exit__(None, None, None)

    def test_alloc_fail_after(self):
        env = dict(self.h.env, AZK_ALLOC_FAIL_AFTER="0")
        r = T.run([self.h.bin, "scan", "--format", "jsonl", self.text], env=env)
        if self.honoured:
            self.assertNotEqual(r.rc, 0, r.out + r.err)
            self.assertIn("out of memory", r.err)
        else:
            self.assertEqual(r.rc, 0, r.out + r.err)
            self.assertNotIn("out of memory", r.err)
            self.assertIn('"path"', r.out)

    def test_retention_pause(self):
        self.assertEqual(self.h.run("init").rc, 0)
        self.assertEqual(self.h.run("client", "add", "shinkin-a").rc, 0)
        closed = os.path.join(self.tmp.path, "closed")
        os.makedirs(closed)
        T.write_conf(self.h.home, {"retention": {"sweep_paths": [closed]}})
        csv = self.h.write("dm.csv", (HEADER + "\n" + "\n".join(synthetic_rows(5)) + "\n")
                           .encode("utf-8"))
        r = self.h.intake(csv, "paused", until="2031-01-01")
        self.assertEqual(r.rc, 0, r.err)
        flag = os.path.join(self.tmp.path, "paused")
        # the deadline passes on a faked system clock (--now is only a drill)
        env = faked_env(dict(self.h.env, AZK_TEST_PAUSE="shred", AZK_TEST_PAUSE_FILE=flag),
                        calendar.timegm(time.strptime(NOW_PAST, "%Y-%m-%dT%H:%M:%SZ")))
        p = subprocess.Popen([self.h.bin, "--home", self.h.home, "retention", "run"], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and p.poll() is None and not os.path.exists(flag):
            time.sleep(0.05)
        paused = p.poll() is None
        if paused:
            time.sleep(0.5)  # the flag is written just before the sleep
            paused = p.poll() is None
        if p.poll() is None:
            p.kill()
        err = p.communicate()[1].decode("utf-8", "replace")
        if self.honoured:
            self.assertTrue(os.path.exists(flag), "test build did not pause: " + err)
            self.assertTrue(paused)
        else:
            self.assertFalse(os.path.exists(flag), "release build paused at 'shred'")
            self.assertFalse(paused, "release build still running after 60 s")
            self.assertEqual(p.returncode, 0, err)
            self.assertEqual(self.h.vault_files(), [])  # the run went through

    def test_icap_no_ledger(self):
        # --no-ledger (ICAP blocks not recorded) is a test hook too
        self.assertEqual(self.h.run("init").rc, 0)
        p = subprocess.Popen([self.h.bin, "--home", self.h.home, "guard", "icap", "--no-ledger",
                              "--listen", "127.0.0.1:0"], env=self.h.env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            ready, _, _ = select.select([p.stdout], [], [], 60)
            line = p.stdout.readline().decode() if ready else ""
        finally:
            if p.poll() is None:
                p.terminate()
            err = p.communicate(timeout=60)[1].decode("utf-8", "replace")
        if self.honoured:
            self.assertIn("listening on", line, err)
        else:
            self.assertEqual(p.returncode, 64, err)
            self.assertIn("--no-ledger", err)
            self.assertNotIn("listening on", line)

    def test_audit_append(self):
        # the hidden subcommand writes any event into the ledger
        self.assertEqual(self.h.run("init").rc, 0)
        r = self.h.run("audit", "append", "--action", "retention.shred")
        if self.honoured:
            self.assertEqual(r.rc, 0, r.err)
        else:
            self.assertEqual(r.rc, 64, r.err)
            self.assertIn("append", r.err)
            r = self.h.run("audit", "log", "--format", "json")
            self.assertNotIn("retention.shred", r.out)

    def test_hook_names_in_binary(self):
        # the hooks live in libazukari: read the CLI and the library it loads
        data = b""
        for path in [self.h.bin] + azukari_libs(self.h.bin):
            with open(path, "rb") as f:
                data += f.read()
        for name in HOOK_NAMES:
            self.assertEqual(name in data, self.honoured, name)


class TestBuildHonoursHooks(HooksCase, unittest.TestCase):
    binary = staticmethod(T.azk_bin)
    honoured = True


class ReleaseBuildIgnoresHooks(HooksCase, unittest.TestCase):
    binary = staticmethod(release_bin)
    honoured = False


if __name__ == "__main__":
    unittest.main()
