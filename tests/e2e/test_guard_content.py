# SPDX-License-Identifier: Apache-2.0
"""test_guard_content.py -- the guard's policy per content class, end to
end, with generated files: in the closed zone (default) what cannot be
read -- an encrypted zip, an unknown binary (ELF), a truncated PNG -- is
blocked, and so is a real image unless the policy allows images; an
"image" with text or an archive behind its end is not an image and stays
blocked when images are allowed; the general zone passes images and only
warns for what it cannot read. Blocks of `guard watch` for unreadable
files go to the quarantine (awaiting the two-person release) like a block
for personal data; an image upload through the ICAP service is answered
with the block page.
"""

import json
import os
import shutil
import socket
import struct
import subprocess
import time
import unittest
import zlib

import azk_testlib as T
import guard_fixtures as G


def png(w=4, h=4):
    raw = b"".join(b"\x00" + b"\x10\x20\x30" * w for _ in range(h))

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def gif():
    return (b"GIF89a" + struct.pack("<HH", 1, 1) + bytes([0x80, 0, 0]) + b"\0\0\0\xff\xff\xff"
            + b"\x2c" + struct.pack("<HHHH", 0, 0, 1, 1) + b"\0" + b"\x02\x02\x44\x01\x00"
            + b"\x3b")


def jpeg():
    return (b"\xff\xd8\xff\xe0" + struct.pack(">H", 16) + b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"
            + b"\xff\xda" + struct.pack(">H", 8) + b"\x01\x01\0\0\x3f\0"
            + b"\x12\x34\xff\x00\x56\xff\xd0\x78\xff\xd9")


class GuardContent(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.bin = T.azk_bin()
        cls.tmpd = T.TempDir("azk-guard-content-")
        cls.tmp = cls.tmpd.path
        cls.roster = os.path.join(cls.tmp, "roster.csv")
        cls.rows = G.gen_roster(cls.roster, rows=40)
        with open(cls.roster, "rb") as f:
            roster = f.read()
        d = os.path.join(cls.tmp, "files")
        os.makedirs(d)
        cls.files = {}

        def put(name, data):
            p = os.path.join(d, name)
            with open(p, "wb") as f:
                f.write(data)
            cls.files[name] = p
        put("a.png", png())
        put("a.gif", gif())
        put("a.jpg", jpeg())
        put("text-behind.png", png() + roster)
        put("zip-behind.gif", gif() + b"PK\x03\x04" + roster)
        put("text-behind.jpg", jpeg() + roster)
        put("truncated.png", png()[:30])
        put("prog.elf", b"\x7fELF\x02\x01\x01" + bytes(range(256)) * 8)
        put("clean.txt", (G.CLEAN_LINE * 5).encode())
        if shutil.which("zip"):
            subprocess.run(["zip", "-q", "-P", "pw", os.path.join(d, "enc.zip"), cls.roster],
                           check=True)
            cls.files["enc.zip"] = os.path.join(d, "enc.zip")
        cls.home = os.path.join(cls.tmp, "home")
        assert T.run([cls.bin, "--home", cls.home, "init"]).rc == 0

    @classmethod
    def tearDownClass(cls):
        cls.tmpd.__exit__(None, None, None)

    def conf(self, guard):
        p = os.path.join(self.tmp, "c%d.conf" % abs(hash(json.dumps(guard, sort_keys=True))))
        with open(p, "w") as f:
            json.dump({"guard": guard}, f)
        return p

    def check(self, conf, name):
        r = T.run([self.bin, "--home", self.home, "guard", "check", "--format", "jsonl",
                   "--config", conf, self.files[name]])
        self.assertIn(r.rc, (0, 1), r.err)
        rec = json.loads(r.out.splitlines()[0])
        self.assertEqual(r.rc, 1 if rec["decision"] == "block" else 0)
        return rec

    def test_closed_zone_default_blocks_what_is_not_read(self):
        c = self.conf({})
        for name in ("a.png", "a.gif", "a.jpg"):
            rec = self.check(c, name)
            self.assertEqual(rec["decision"], "block", name)
            self.assertEqual(rec["reasons"], ["image"], name)
            self.assertEqual(rec["classes"], {"image": 1}, name)
        # an "image" with the roster behind it: the roster is read and blocks
        for name in ("text-behind.png", "zip-behind.gif", "text-behind.jpg"):
            rec = self.check(c, name)
            self.assertEqual(rec["decision"], "block", name)
            self.assertIn("pii_block", rec["reasons"], (name, rec))
            self.assertGreater(rec["counts"].get("phone", 0), 30, (name, rec))
            self.assertNotIn("image", rec["classes"], name)
        # a broken image is no image: an unknown binary, blocked unread
        rec = self.check(c, "truncated.png")
        self.assertEqual((rec["decision"], rec["classes"]), ("block", {"binary": 1}))
        rec = self.check(c, "prog.elf")
        self.assertEqual((rec["decision"], rec["classes"]), ("block", {"binary": 1}))
        if "enc.zip" in self.files:
            rec = self.check(c, "enc.zip")
            self.assertEqual(rec["decision"], "block")
            self.assertEqual(rec["classes"].get("encrypted"), 1, rec)
        self.assertEqual(self.check(c, "clean.txt")["decision"], "allow")

    def test_images_only_where_explicitly_allowed(self):
        c = self.conf({"content": {"image": "allow"}})
        for name in ("a.png", "a.gif", "a.jpg"):
            self.assertEqual(self.check(c, name)["decision"], "allow", name)
        # an image with text or an archive behind it is not an image
        for name in ("text-behind.png", "zip-behind.gif", "text-behind.jpg"):
            rec = self.check(c, name)
            self.assertEqual(rec["decision"], "block", name)
            self.assertNotIn("image", rec["classes"], name)
        self.assertEqual(self.check(c, "prog.elf")["decision"], "block")

    def test_general_zone_defaults(self):
        c = self.conf({"zone": "general"})
        self.assertEqual(self.check(c, "a.png")["decision"], "allow")
        self.assertEqual(self.check(c, "prog.elf")["decision"], "warn")
        self.assertEqual(self.check(c, "truncated.png")["decision"], "warn")
        self.assertEqual(self.check(c, "text-behind.png")["decision"], "block")  # roster read
        # the table can be made as strict as the closed zone's
        c = self.conf({"zone": "general", "content": {"binary": "block", "image": "block"}})
        self.assertEqual(self.check(c, "prog.elf")["decision"], "block")
        self.assertEqual(self.check(c, "a.png")["decision"], "block")
        with open(c) as f:
            T.write_conf(self.home, json.load(f))
        r = T.run([self.bin, "--home", self.home, "guard", "policy", "show"])
        self.assertEqual(r.rc, 0, r.err)
        self.assertEqual(json.loads(r.out)["content"]["binary"], "block")

    def test_policy_set_content(self):
        home = os.path.join(self.tmp, "home-set")
        self.assertEqual(T.run([self.bin, "--home", home, "init"]).rc, 0)

        def azk(*a):
            return T.run([self.bin, "--home", home, "guard"] + list(a))
        self.assertEqual(azk("check", self.files["a.png"]).rc, 1)
        r = azk("policy", "set", "content", '{"image": "allow"}')
        self.assertEqual(r.rc, 0, r.err)
        self.assertEqual(azk("check", self.files["a.png"]).rc, 0)
        self.assertEqual(azk("check", self.files["text-behind.png"]).rc, 1)
        # a value that makes no sense is refused and the policy stays as it was
        for bad in ('{"text": "block"}', '{"image": "scan"}', '{"imag": "allow"}', '"allow"'):
            r = azk("policy", "set", "content", bad)
            self.assertNotEqual(r.rc, 0, bad)
            self.assertIn("content", r.err, bad)
        self.assertEqual(azk("check", self.files["a.png"]).rc, 0)
        log = T.run([self.bin, "--home", home, "audit", "log"])
        self.assertEqual(log.out.count("guard.policy.set"), 1, log.out)

    def test_watch_quarantines_unreadable_for_two_person_release(self):
        base = os.path.join(self.tmp, "watch")
        ob, rel, q = (os.path.join(base, x) for x in ("outbox", "release", "quarantine"))
        for x in (ob, rel, q):
            os.makedirs(x)
        names = ["a.png", "prog.elf", "text-behind.png", "clean.txt"]
        for n in names:
            shutil.copy(self.files[n], os.path.join(ob, n))
            t = time.time() - 10
            os.utime(os.path.join(ob, n), (t, t))
        T.write_conf(self.home, {"guard": {}})
        r = T.run([self.bin, "--home", self.home, "guard", "watch", ob, "--release", rel,
                   "--quarantine", q, "--once"])
        self.assertEqual(r.rc, 0, r.err)
        self.assertEqual(sorted(os.listdir(rel)), ["clean.txt"])
        self.assertEqual(len(os.listdir(q)), 3)
        lst = T.run([self.bin, "--home", self.home, "guard", "list"])
        for n in ("a.png", "prog.elf", "text-behind.png"):
            self.assertRegex(lst.out, r"\tquarantined\t%s\t" % n.replace(".", r"\."))

    def test_icap_image_upload_blocked(self):
        conf = self.conf({})
        log = open(os.path.join(self.tmp, "icap.log"), "wb")
        p = subprocess.Popen([self.bin, "--home", self.home, "guard", "icap", "--listen",
                              "127.0.0.1:0", "--threads", "1", "--no-ledger", "--config", conf,
                              "--spool", self.tmp], stdout=subprocess.PIPE, stderr=log)
        try:
            line = p.stdout.readline().decode()
            port = int(line.rsplit(":", 1)[1].split("/")[0])
            http_hdr = (b"POST http://upload.example/x HTTP/1.1\r\nHost: upload.example\r\n"
                        b"Content-Type: image/png\r\n\r\n")
            for body, blocked in ((png(), True), ((G.CLEAN_LINE * 3).encode(), False)):
                s = socket.create_connection(("127.0.0.1", port), timeout=30)
                s.sendall(b"REQMOD icap://127.0.0.1/guard ICAP/1.0\r\nHost: x\r\nAllow: 204\r\n"
                          b"Encapsulated: req-hdr=0, req-body=%d\r\n\r\n" % len(http_hdr)
                          + http_hdr + b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))
                out = b""
                while True:
                    b = s.recv(65536)
                    if not b:
                        break
                    out += b
                    if b"0\r\n\r\n" in out or out.startswith(b"ICAP/1.0 204"):
                        break
                s.close()
                if blocked:
                    self.assertIn(b"HTTP/1.1 403 Forbidden", out)
                else:
                    self.assertTrue(out.startswith(b"ICAP/1.0 204"), out[:80])
        finally:
            p.terminate()
            p.wait(10)
            log.close()


if __name__ == "__main__":
    unittest.main()
