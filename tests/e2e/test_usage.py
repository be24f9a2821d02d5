# SPDX-License-Identifier: Apache-2.0
"""test_usage.py -- every command's usage errors exit 64 (EX_USAGE, the
usage code of every command; see the EXIT STATUS tables of azukari(1)),
with a message on stderr that names what was wrong, nothing on stdout,
and nothing done: the home given with --home is not even created.

The commands come from src/cli/commands.def: a command without cases
here fails the test, so a new command brings its usage errors along.
"""

import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import azk_testlib as T  # noqa: E402

EX_USAGE = 64

# command -> [(argv after the command, text stderr must contain)]
CASES = {
    "version": [
        (["--bogus"], "--bogus"),
        (["extra"], "extra"),
    ],
    "scan": [
        ([], "path"),
        (["--bogus", "x"], "bogus"),
        (["--format"], "format"),
        (["--format", "bogus", "x"], "bogus"),
        (["--encoding", "bogus", "x"], "bogus"),
        (["--encoding", "", "x"], "encoding"),
        (["--threads", "0", "x"], "--threads"),
        (["--threads", "two", "x"], "--threads"),
        (["--max-size", "12Q", "x"], "12Q"),
        (["--max-depth", "-1", "x"], "--max-depth"),
        (["--max-entries", "x", "x"], "x"),
        (["--types", "phone,bogus", "x"], "bogus"),
        (["--min-confidence", "2", "x"], "--min-confidence"),
        (["--allow-pattern", "(", "x"], "allow pattern"),
    ],
    "redact": [
        (["--bogus"], "bogus"),
        (["--mode", "bogus"], "bogus"),
        (["--mode"], "mode"),
        (["--encoding", "bogus"], "bogus"),
        (["--types", "bogus"], "bogus"),
        (["--min-confidence", "x"], "--min-confidence"),
    ],
    "link": [
        ([], "FILE"),
        (["--bogus", "a.csv"], "bogus"),
        (["--format", "bogus", "a.csv"], "bogus"),
        (["--threshold", "2", "a.csv"], "--threshold"),
        (["--encoding", "bogus", "a.csv"], "bogus"),
        (["--map", "nokind", "a.csv"], "--map"),
        (["--map", "h=bogus", "a.csv"], "bogus"),
        (["--threads", "0", "a.csv"], "--threads"),
        (["--explain", "1"], "--explain"),
    ],
    "audit": [
        ([], "SUBCOMMAND"),
        (["bogus"], "bogus"),
        (["log", "--bogus"], "bogus"),
        (["log", "--format", "bogus"], "bogus"),
        (["log", "--since", "yesterday"], "yesterday"),
        (["show"], "show"),
        (["show", "abc"], "abc"),
        (["checkpoint", "--bogus"], "bogus"),
        (["prove"], "prove"),
        (["prove", "--inclusion", "x"], "x"),
        (["verify", "--bundle", "b.json"], "--pubkey"),
        (["export", "--from", "0"], "-o"),
        (["init", "extra"], "extra"),
    ],
    "init": [
        (["--bogus"], "bogus"),
        (["extra"], "extra"),
    ],
    "client": [
        ([], "client"),
        (["bogus"], "bogus"),
        (["add"], "ID"),
        (["add", "--bogus", "c"], "bogus"),
        (["list", "--format", "bogus"], "bogus"),
        (["list", "extra"], "extra"),
    ],
    "intake": [
        ([], "--client"),
        (["--bogus", "f.csv"], "bogus"),
        (["--client", "c", "--dataset", "d", "--purpose", "p", "f.csv"], "--retain-until"),
        (["--client", "c", "--dataset", "d", "--purpose", "p", "--retain-until", "someday",
          "f.csv"], "--retain-until"),
        (["--client", "c", "--dataset", "d", "--purpose", "p", "--retain-until", "2030-01-01",
          "--map", "h=bogus", "f.csv"], "--map"),
        (["--client", "c", "--dataset", "d", "--purpose", "p", "--retain-until", "2030-01-01",
          "--encoding", "bogus", "f.csv"], "bogus"),
    ],
    "open": [
        ([], "DATASET"),
        (["ds"], "--reason"),
        (["ds", "--reason", "r", "--bogus"], "bogus"),
    ],
    "guard": [
        ([], "guard"),
        (["bogus"], "bogus"),
        (["check"], "FILE"),
        (["check", "--bogus", "f"], "bogus"),
        (["check", "--format", "bogus", "f"], "bogus"),
        (["icap", "--threads", "0"], "--threads"),
        (["icap", "--bogus"], "bogus"),
        (["policy", "bogus"], "guard policy"),
        (["policy", "set", "block_on_edm"], "set"),
        (["watch", "outbox"], "--release"),
        (["request", "id"], "--reason"),
        (["approve"], "approve"),
    ],
    "fingerprints": [
        ([], "export"),
        (["bogus"], "bogus"),
        (["export"], "--out"),
        (["export", "--bogus", "-o", "f"], "bogus"),
    ],
    "impact": [
        ([], "PATH"),
        (["--bogus", "f"], "bogus"),
        (["--format", "bogus", "f"], "--format"),
        (["--cause", "bogus", "f"], "--cause"),
        (["--known-date", "bogus", "f"], "--known-date"),
        (["--as-of", "bogus", "f"], "--as-of"),
        (["--threshold", "2", "f"], "--threshold"),
        (["--threads", "0", "f"], "--threads"),
        (["--encoding", "bogus", "f"], "bogus"),
        (["--client-key", "nokey", "f"], "--client-key"),
        (["keygen"], "--public"),
        (["decrypt-list", "list"], "--key"),
    ],
    "retention": [
        ([], "retention"),
        (["bogus"], "bogus"),
        (["status", "--bogus"], "bogus"),
        (["status", "--now", "bogus"], "--now"),
        (["run", "--now", "bogus"], "--now"),
        (["show"], "DATASET"),
        (["hold", "ds"], "--reason"),
        (["request-extend", "ds", "--until", "bogus", "--reason", "r"], "bogus"),
        (["approve"], "REQUEST-ID"),
    ],
    "artifact": [
        ([], "artifact"),
        (["bogus"], "bogus"),
        (["add", "p"], "--dataset"),
        (["add", "--dataset", "d", "--until", "bogus", "p"], "bogus"),
        (["add", "--dataset", "d", "--bogus", "p"], "bogus"),
    ],
    "certificate": [
        ([], "certificate"),
        (["bogus"], "bogus"),
        (["issue"], "DATASET"),
        (["verify", "cert.json"], "--pubkey"),
        (["show", "ds", "--bogus"], "bogus"),
    ],
    "db": [
        ([], "subcommand"),
        (["bogus"], "bogus"),
        (["status", "extra"], "extra"),
        (["migrate", "--bogus"], "bogus"),
    ],
    "user": [
        ([], "user"),
        (["bogus"], "bogus"),
        (["add"], "NAME"),
        (["add", "n", "--bogus"], "bogus"),
    ],
    "report": [
        ([], "report"),
        (["bogus"], "bogus"),
        (["monthly"], "--client"),
        (["monthly", "--client", "c"], "--month"),
        (["monthly", "--client", "c", "--month", "2031-01", "--bogus"], "bogus"),
    ],
    "training": [
        ([], "training"),
        (["bogus"], "bogus"),
        (["course", "add", "pdh"], "--title"),
        (["course", "add", "pdh", "--title", "t", "--validity-days", "x"], "--validity-days"),
        (["complete", "alice"], "USER COURSE"),
        (["status", "--warn-days", "x"], "--warn-days"),
        (["due", "extra"], "extra"),
    ],
    "control": [
        ([], "control"),
        (["bogus"], "bogus"),
        (["bogus", "x"], "bogus"),
        (["criteria"], "criteria"),
        (["finding", "set", "IF-1"], "--status"),
        (["list", "--bogus"], "bogus"),
    ],
    "serve": [
        (["--bogus"], "bogus"),
        (["extra"], "extra"),
        (["--port", "0"], "--port"),
        (["--port", "http"], "--port"),
        (["--cert", "c.pem"], "--cert"),
        (["--agent-port", "0"], "--agent-port"),
    ],
    "agent": [
        (["--bogus"], "bogus"),
        (["frobnicate"], "frobnicate"),
        (["token", "create"], "--group"),
        (["token", "burn", "--group", "g"], "burn"),
        (["enroll", "--server", "https://x"], "--token"),
        (["revoke"], "revoke"),
        (["list", "extra"], "extra"),
        (["run", "--interval", "0"], "--interval"),
        (["run", "--spool-max", "x"], "--spool-max"),
        (["token", "create", "--group", "g", "--valid", "0"], "--valid"),
    ],
    "vendor": [
        ([], "vendor"),
        (["bogus"], "bogus"),
        (["add"], "missing argument"),
        (["add", "v", "--bogus"], "bogus"),
        (["add", "v", "--name", "N"], "--corporate-number"),
        (["show", "v", "--format", "bogus"], "bogus"),
        (["due", "--within", "x"], "--within"),
        (["audit", "schedule", "v", "--kind", "audit", "--every", "0", "--start", "2026-01-01"],
         "--every"),
        (["export", "--vendor", "v"], "--from"),
        (["questionnaire", "review", "v", "q", "--score", "101", "--comment", "c"], "--score"),
        (["import-report"], "FILE"),
        (["import-report", "r.json"], "--pubkey"),
        (["import-report", "r.json", "--bogus"], "bogus"),
    ],
}

# global options, before the command
GLOBAL_CASES = [
    (["--bogus"], "--bogus"),
    (["--lang", "bogus", "version"], "bogus"),
    (["--lang=xx", "version"], "xx"),
    (["--home"], "--home needs a value"),
    (["--lang"], "--lang needs a value"),
    (["nosuchcommand"], "nosuchcommand"),
    ([], "COMMAND"),
]


def commands():
    with open(os.path.join(T.srcdir(), "src", "cli", "commands.def"), encoding="utf-8") as f:
        return re.findall(r'^AZK_COMMAND\("([a-z-]+)"', f.read(), re.M)


class Usage(unittest.TestCase):
    def setUp(self):
        self.bin = os.path.abspath(T.azk_bin())
        self.tmp = T.TempDir("azk-usage-")
        self.home = os.path.join(self.tmp.path, "home-never-made")
        self.env = dict(os.environ, AZUKARI_LANG="en")
        self.env.pop("AZUKARI_HOME", None)
        self.env.pop("AZUKARI_TOTP", None)

    def tearDown(self):
        self.tmp.__exit__(None, None, None)

    def check(self, argv, needle):
        r = T.run([self.bin, "--home", self.home] + argv if argv[:1] != ["--home"] else
                  [self.bin] + argv, env=self.env, cwd=self.tmp.path, timeout=30)
        what = "azukari %s -> %d\nstdout: %s\nstderr: %s" % (" ".join(argv), r.rc, r.out[:300],
                                                            r.err[:600])
        self.assertEqual(r.rc, EX_USAGE, what)
        self.assertIn(needle, r.err, what)
        self.assertEqual(r.out, "", what)
        self.assertFalse(os.path.exists(self.home), "a usage error made the home: " + what)

    def test_every_command_has_cases(self):
        cmds = commands()
        self.assertGreater(len(cmds), 10)
        self.assertEqual(sorted(set(cmds) - set(CASES)), [], "commands without usage cases")
        self.assertEqual(sorted(set(CASES) - set(cmds)), [], "cases for unknown commands")

    def test_usage_errors_exit_64(self):
        for cmd in commands():
            for args, needle in CASES.get(cmd, []):
                with self.subTest(cmd=cmd, args=args):
                    self.check([cmd] + args, needle)

    def test_global_usage_errors_exit_64(self):
        for args, needle in GLOBAL_CASES:
            with self.subTest(args=args):
                self.check(args, needle)

    def test_man_page_has_an_exit_table_per_command(self):
        with open(os.path.join(T.srcdir(), "man", "azukari.1"), encoding="utf-8") as f:
            man = f.read()
        self.assertTrue(man.startswith("'\\\" t"), "tables need the tbl preprocessor line")
        section = man.split("\n.SH EXIT STATUS\n", 1)[1].split("\n.SH ", 1)[0]
        tables = dict(re.findall(r"^\.SS ([^\n]+)\n\.TS\n(.*?)^\.TE$", section, re.M | re.S))
        for cmd in commands() + ["every command"]:
            with self.subTest(cmd=cmd):
                self.assertIn(cmd, tables)
                self.assertRegex(tables[cmd], r"(?m)^64\t", "no usage row")

    def test_japanese_message(self):
        # the default language: the message is translated, the code the same
        env = dict(self.env)
        env.pop("AZUKARI_LANG")
        r = T.run([self.bin, "--home", self.home, "scan", "--format", "bogus", "x"], env=env)
        self.assertEqual(r.rc, EX_USAGE, r.err)
        self.assertIn("bogus", r.err)
        self.assertTrue(any(ord(ch) > 0x3000 for ch in r.err), r.err)

    def test_help_is_not_an_error(self):
        for cmd in commands():
            with self.subTest(cmd=cmd):
                r = T.run([self.bin, "--home", self.home, cmd, "--help"], env=self.env)
                self.assertEqual(r.rc, 0, r.err)
                self.assertNotEqual(r.out, "")
                self.assertFalse(os.path.exists(self.home))


if __name__ == "__main__":
    unittest.main()
