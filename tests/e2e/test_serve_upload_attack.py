# SPDX-License-Identifier: Apache-2.0
"""test_serve_upload_attack.py -- `azukari serve`'s file uploads attacked the way a hostile
client would, on a real server: a body streamed without end (chunked, no Content-Length) is
cut off once it passes twice its route's limit instead of being read and dropped forever
(an anonymous one on /login included); the large bodies held by all connections together
are bounded (many held 15 MiB uploads from one operator: the next is 503 with Retry-After,
and the budget comes back when they end); hostile parts (two files, duplicated CSRF fields,
a part with no name, nested multipart, thousands of tiny parts, a huge part header, a file
name with ../, NUL or a Japanese personal name) are refused or taken without the sender's
file name ever reaching the home, the ledger or the server's output, and no temporary
upload directory is left behind; a body trickling in a byte at a time (slow loris) is cut
off once the connection timeout has passed; a killed server's upload directories are
removed at the next start."""

import hashlib
import json
import os
import socket
import ssl
import subprocess
import time
import unittest

import azk_testlib as T
import serve_client as S
import serve_plat_lib as P

MIB = 1024 * 1024
MP = "multipart/form-data; boundary=bnd"
NAME = "山田太郎"  # a personal name in a file name: must never be written anywhere


def part(name, val, fn=None, extra=""):
    d = 'form-data; name="%s"' % name if name is not None else "form-data"
    if fn is not None:
        d += '; filename="%s"' % fn
    if isinstance(val, str):
        val = val.encode("utf-8")
    return ("--bnd\r\nContent-Disposition: %s\r\n%s\r\n" % (d, extra)).encode("utf-8") + \
        val + b"\r\n"


END = b"--bnd--\r\n"


def chunked(pieces):
    for p in pieces:
        if p:
            yield b"%x\r\n" % len(p) + p + b"\r\n"
    yield b"0\r\n\r\n"


class Homes:
    def __call__(self, srv):
        self.secrets = {}
        r = T.run([srv.bin, "--home", srv.home, "init"], env=srv.env)
        assert r.rc == 0, r.err
        for u in ("alice", "aud"):
            r = T.run([srv.bin, "--home", srv.home, "user", "add", u], env=srv.env)
            assert r.rc == 0, r.err
            self.secrets[u] = r.out.strip().split()[-1]


class ServeUploadAttackTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fx = Homes()
        cls.srv = S.Server(prepare=cls.fx, clock=True)
        try:
            cls.srv.enrol("admin", P.PW)
            cls.srv.sql("UPDATE users SET state='active', role='administrator' "
                        "WHERE name='admin'",
                        *["UPDATE users SET role='%s', state='active', pw_hash=(SELECT pw_hash"
                          " FROM users WHERE name='admin') WHERE name='%s'" % (role, u)
                          for u, role in (("alice", "operator"), ("aud", "auditor"))])
            r = cls.srv.azk("vendor", "add", "qco", "--name", "質問票株式会社",
                            "--corporate-number", "8700110005901")
            assert r.rc == 0, r.err
            codes = S.Codes(cls.srv.clock)
            cls.c = {u: P.login(cls.srv, codes, u, cls.fx.secrets[u]) for u in ("alice", "aud")}
            cls.cookie = "; ".join("%s=%s" % kv for kv in cls.c["alice"].jar.items())
            cls.tok = cls.c["alice"].csrf("/dashboard")
        except BaseException:
            cls.srv.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        rc, out = cls.srv.stop()
        cls.srv.cleanup()
        assert "Sanitizer" not in out, out[-4000:]

    # ---- helpers -------------------------------------------------------------------------

    def sock(self):
        ctx = ssl.create_default_context(cafile=self.srv.cafile)
        s = ctx.wrap_socket(socket.create_connection(("localhost", self.srv.port)),
                            server_hostname="localhost")
        s.settimeout(30)
        return s

    def send(self, path, headers, pieces, cookie=True):
        """POST headers, then the body pieces; returns (status or None, body bytes sent,
        answer bytes). None: the server closed the connection without an answer."""
        s = self.sock()
        h = list(headers)
        if cookie:
            h.insert(0, ("Cookie", self.cookie))
        sent = 0
        try:
            s.sendall(("POST %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n%s\r\n"
                       % (path, "".join("%s: %s\r\n" % kv for kv in h))).encode("utf-8"))
            try:
                for p in pieces:
                    s.sendall(p)
                    sent += len(p)
            except OSError:
                pass
            data = b""
            try:
                while True:
                    d = s.recv(65536)
                    if not d:
                        break
                    data += d
            except OSError:
                pass
        finally:
            s.close()
        if not data.startswith(b"HTTP/1.1 "):
            return None, sent, data
        return int(data[9:12]), sent, data

    def post(self, path, body, ct=MP, extra=()):
        st, _, data = self.send(path, [("Content-Type", ct),
                                       ("Content-Length", str(len(body)))] + list(extra),
                                [body])
        return st, data.split(b"\r\n\r\n", 1)[-1].decode("utf-8", "replace")

    def alive(self):
        self.assertEqual(self.c["aud"].get("/dashboard").status, 200)

    def no_temp_left(self):
        d = os.path.join(self.srv.home, "serve")
        self.assertEqual([n for n in os.listdir(d) if n.startswith("upload-")], [])

    # ---- a body without end --------------------------------------------------------------

    def test_endless_body_cut_off(self):
        """Regression: a body over its route's limit was read and dropped to its end, so a
        client (an anonymous one on /login too) could stream for ever, chunked, holding a
        thread and the CPU. Now the connection is closed past twice the limit (1 MiB at
        least); a file somewhat too large still gets the 413 page."""
        blk = b" " * 65536

        def endless(head, total=64 * MIB):
            yield head
            for _ in range(total // len(blk)):
                yield blk
        te = ("Transfer-Encoding", "chunked")
        cases = (
            ("/login", [("Content-Type", "application/x-www-form-urlencoded"), te],
             b"user=", False),
            ("/vendor/quest/template", [("Content-Type", MP), te],
             part("csrf", self.tok) + part("vendor", "qco") +
             b'--bnd\r\nContent-Disposition: form-data; name="template"; '
             b'filename="t.json"\r\n\r\n', True),
            ("/vendor/quest/template", [("Content-Type", MP), te],  # wrong CSRF: 403 drain
             part("csrf", "0" * 64) + part("vendor", "qco") +
             b'--bnd\r\nContent-Disposition: form-data; name="template"; '
             b'filename="t.json"\r\n\r\n', True),
            ("/api/v1/vendor/templates", [("Content-Type", "application/json"),
                                          ("X-CSRF-Token", self.tok), te],
             b'{"vendor":"qco","template":"', True),
        )
        for path, hdr, head, cookie in cases:
            st, sent, _ = self.send(path, hdr, chunked(endless(head)), cookie=cookie)
            self.assertIsNone(st, "%s: the server read %d bytes to their end" % (path, sent))
            self.assertLess(sent, 32 * MIB, path)
        self.alive()
        # somewhat too large (1.5 MiB for 1 MiB): still the 413 page, read and dropped
        body = part("csrf", self.tok) + part("vendor", "qco") + \
            part("template", b" " * (3 * MIB // 2), fn="t.json") + END
        st, text = self.post("/vendor/quest/template", body)
        self.assertEqual(st, 413, text[-300:])
        self.no_temp_left()

    # ---- many large uploads held at once -------------------------------------------------

    def test_uploads_held_bounded(self):
        """Regression: each connection of one operator's session could hold 16 MiB (32 with
        the buffer's growth) until its body ended: 32 connections per address, 256 in all.
        Now all large bodies held together are bounded (64 MiB): a further one is 503 with
        Retry-After, nothing recorded, and the budget comes back when the others end."""
        head = part("csrf", self.tok) + part("vendor", "qco") + part("class", "cert") + \
            part("kind", "isms") + part("ref", "IS 1") + part("expires_on", "2029-04-30") + part("received_on", "2026-05-01") + \
            b'--bnd\r\nContent-Disposition: form-data; name="file"; filename="d.pdf"\r\n\r\n'
        blk = b"x" * MIB
        held = []
        try:
            for _ in range(4):  # 4 x 15 MiB held, their bodies not finished
                s = self.sock()
                s.sendall(("POST /vendor/doc HTTP/1.1\r\nHost: localhost\r\nCookie: %s\r\n"
                           "Content-Type: %s\r\nContent-Length: %d\r\n\r\n"
                           % (self.cookie, MP, 17 * MIB)).encode("utf-8") + head)
                for _ in range(15):
                    s.sendall(blk)
                held.append(s)
            time.sleep(0.2)  # the server has taken what was sent (not a timing assertion)
            body = head + b"y" * (15 * MIB) + b"\r\n" + END
            st, _, data = self.send("/vendor/doc", [("Content-Type", MP),
                                                    ("Content-Length", str(len(body)))], [body])
            self.assertEqual(st, 503, data[:300])
            self.assertIn(b"Retry-After: 30", data)
        finally:
            for s in held:
                s.close()
        # the held ones are gone (their connections closed): room again
        pdf = b"%PDF-1.4 small\n"
        body = head.replace(b"d.pdf", b"s.pdf") + pdf + b"\r\n" + END
        for _ in range(50):
            st, text = self.post("/vendor/doc", body)
            if st != 503:
                break
            time.sleep(0.1)  # the closed connections' threads end (not a timing assertion)
        self.assertEqual(st, 200, text[-400:])
        self.no_temp_left()
        self.alive()

    # ---- slow loris ----------------------------------------------------------------------

    def trickle(self, port, path, headers, cookie, seconds=6):
        """Headers, then one body byte every 0.2 s (the connection never silent): the seconds
        until the server closed it, or None when it was still open after `seconds`."""
        ctx = ssl.create_default_context(cafile=self.srv.cafile)
        s = ctx.wrap_socket(socket.create_connection(("localhost", port)),
                            server_hostname="localhost")
        h = list(headers) + ([("Cookie", self.cookie)] if cookie else [])
        t0 = time.monotonic()
        try:
            s.sendall(("POST %s HTTP/1.1\r\nHost: localhost\r\n%s\r\n"
                       % (path, "".join("%s: %s\r\n" % kv for kv in h))).encode("utf-8"))
            s.settimeout(0.2)
            while time.monotonic() - t0 < seconds:
                try:
                    s.sendall(b"a")
                    if s.recv(1) == b"":
                        return time.monotonic() - t0
                except socket.timeout:
                    continue
                except OSError:
                    return time.monotonic() - t0
            return None
        finally:
            s.close()

    def test_slow_loris(self):
        """Regression: a body sent a byte at a time (never silent for the connection
        timeout) held its connection and thread for as long as the client liked (an
        anonymous /login: 16 KiB at 5 bytes a second, an hour). Now, once the connection
        timeout (1 s here) has passed, a body must average 1 KiB/s: closed within seconds.
        Other requests go on meanwhile (the handler lock is not held while a body comes)."""
        x = P.Extra(self.srv, ["--connection-timeout", "1"])
        try:
            for path, hdr, cookie in (
                    ("/login", [("Content-Type", "application/x-www-form-urlencoded"),
                                ("Content-Length", "16000")], False),
                    ("/vendor/doc", [("Content-Type", MP),
                                     ("Content-Length", str(16 * MIB))], True)):
                t = self.trickle(x.port, path, hdr, cookie)
                self.assertIsNotNone(t, "%s: still reading a trickling body" % path)
                self.alive()
        finally:
            x.stop()

    # ---- a server killed inside a handler ---------------------------------------------

    def test_stale_upload_dirs_swept(self):
        """Regression: a server killed while a handler had an upload in its private temp
        file (<home>/serve/upload-XXXXXX/upload) left the sender's file there for good. Now a
        server starting removes those older than an hour (a younger one may be another
        server's on the same home, in its handler)."""
        d = os.path.join(self.srv.home, "serve")
        made = {}
        for name, age in (("upload-Stale1", 7200), ("upload-Young1", 0)):
            os.mkdir(os.path.join(d, name), 0o700)
            f = os.path.join(d, name, "upload")
            with open(f, "wb") as fh:
                fh.write(b"%PDF-1.4 left behind\n")
            t = time.time() - age
            os.utime(os.path.join(d, name), (t, t))
            made[name] = f
        x = P.Extra(self.srv)
        try:
            self.assertFalse(os.path.exists(os.path.join(d, "upload-Stale1")))
            self.assertTrue(os.path.exists(made["upload-Young1"]))
        finally:
            x.stop()
            os.unlink(made["upload-Young1"])
            os.rmdir(os.path.join(d, "upload-Young1"))

    # ---- hostile parts -------------------------------------------------------------------

    def test_hostile_parts(self):
        """Parts a browser never sends: refused (400/403), the server goes on; a file name
        with ../, NUL or a personal name is never written anywhere."""
        tok = self.tok
        tmpl = b'{"id": "x"}'
        base = part("csrf", tok) + part("vendor", "qco")
        nested = (b'--bnd\r\nContent-Disposition: form-data; name="template"\r\n'
                  b'Content-Type: multipart/mixed; boundary=inner\r\n\r\n'
                  b'--inner\r\nContent-Disposition: file; filename="a.json"\r\n\r\n{}\r\n'
                  b'--inner\r\nContent-Disposition: file; filename="b.json"\r\n\r\n{}\r\n'
                  b'--inner--\r\n')
        cases = {
            "two files": (base + part("template", tmpl, fn="a.json") +
                          part("template", tmpl, fn="b.json") + END, 400),
            "two file fields": (base + part("x", tmpl, fn="a.json") +
                                part("template", tmpl, fn="b.json") + END, 400),
            "csrf right then wrong": (part("csrf", tok) + part("csrf", "0" * 64) +
                                      part("vendor", "qco") +
                                      part("template", tmpl, fn="a.json") + END, 403),
            "csrf wrong then right": (part("csrf", "0" * 64) + part("csrf", tok) +
                                      part("vendor", "qco") +
                                      part("template", tmpl, fn="a.json") + END, 403),
            "part without a name": (base + part(None, "zz") +
                                    part("template", tmpl, fn="a.json") + END, 400),
            "nested multipart": (base + nested + END, 400),
            "many tiny parts": (part("csrf", tok) +
                                b"".join(part("f%d" % i, "x") for i in range(20000)) + END,
                                400),
            "huge part header": (part("csrf", tok) +
                                 part("vendor", "qco", extra="X-Pad: %s\r\n" % ("a" * 100000))
                                 + END, 400),
            "NUL in a field": (base + part("template", b"{\x00}") + END, 400),
        }
        for what, (body, want) in cases.items():
            st, text = self.post("/vendor/quest/template", body)
            self.assertEqual(st, want, "%s: %s" % (what, text[-300:]))
        # multipart to a route that takes no file; to the API twin; a wrong Content-Type
        st, _ = self.post("/vendor/finding", base + END)
        self.assertEqual(st, 400)
        st, _ = self.post("/api/v1/vendor/templates", base + END, extra=[("X-CSRF-Token", tok)])
        self.assertEqual(st, 415)
        st, _ = self.post("/vendor/quest/template", b"hello", ct="text/plain")
        self.assertEqual(st, 400)
        # file names with ../ and a personal name: the file is kept by its SHA-256, the
        # sender's name nowhere. Regression: with a NUL in its name, MHD reads the part as a
        # text field and the document was recorded without its file (200); now 400
        doc = base + part("class", "cert") + part("kind", "isms") + part("ref", "IS 1") + \
            part("expires_on", "2029-04-30") + part("received_on", "2026-05-01")
        for fn, want in (("../../etc/%s.pdf" % NAME, 200), ("a\x00%s.pdf" % NAME, 400),
                         ("%s.pdf" % NAME, 200)):
            pdf = ("%%PDF-1.4 %d\n" % len(fn)).encode("ascii")
            st, text = self.post("/vendor/doc", doc + part("file", pdf, fn=fn) + END)
            self.assertEqual(st, want, "%r: %s" % (fn, text[-300:]))
            r = self.c["aud"].get("/api/v1/vendor/questionnaires?id=qco")
            kept = [f["sha256"] for f in json.loads(r.body)["files"]]
            self.assertEqual(hashlib.sha256(pdf).hexdigest() in kept, want == 200, fn)
        self.no_temp_left()
        self.alive()
        r = self.srv.azk("audit", "log", "--format", "json")
        self.assertNotIn(NAME, r.out)
        self.srv.out.flush()
        hits = subprocess.run(["grep", "-rlaF", "-e", NAME, self.srv.home, os.path.join(self.srv.dir, "serve.out")],
                              capture_output=True, text=True)
        self.assertEqual(hits.stdout, "", "the sender's file name was written")


if __name__ == "__main__":
    unittest.main()
