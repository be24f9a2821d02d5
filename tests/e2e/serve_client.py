# SPDX-License-Identifier: Apache-2.0
"""serve_client.py -- helpers for the tests of `azukari serve`: start a
server on a free port with a fresh home, a tiny HTTPS client (cookies by
hand, no redirects followed) trusting the server's own CA, TOTP codes
(RFC 6238, HMAC-SHA1, 30-second steps, 6 digits) with each time step used
once per user (the server refuses a replayed code), the first
administrator's enrolment through the one-time link. A server started with
clock=True runs on a test clock (libfaketime reading an offset from a file):
when a user has used every TOTP step the server accepts now, Codes moves that
clock on by one step instead of waiting 30 s for it."""

import base64
import glob
import hashlib
import hmac
import http.client
import json
import os
import sqlite3
import re
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import tempfile
import time
import urllib.parse

import azk_testlib as T

CSV = ("会員番号,氏名,電話番号\n"
       "A0001,山田太郎,090-1234-5678\n"
       "A0002,佐藤花子,080-2345-6789\n").encode("utf-8")


def log_file(path):
    """A fresh file for a child's stdout that the test reads while the child
    writes: opened for appending, so that the child's writes go to the end
    even though the test seeks the shared offset to read; undecodable bytes
    (a character cut by the child's buffer) read as U+FFFD."""
    open(path, "wb").close()
    return open(path, "a+", encoding="utf-8", errors="replace")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def totp(secret_b32, step):
    key = base64.b32decode(secret_b32.upper() + "=" * (-len(secret_b32) % 8))
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    o = mac[-1] & 0x0F
    n = (struct.unpack(">I", mac[o:o + 4])[0] & 0x7FFFFFFF) % 1000000
    return "%06d" % n


def libfaketime():
    """Debian's libfaketime (multi-threaded flavour), or None."""
    libs = sorted(glob.glob("/usr/lib/*/faketime/libfaketimeMT.so.1"))
    return libs[0] if libs else None


class Clock:
    """The wall clock of a Server and of the azukari commands run for its home: the real
    clock plus an offset that only grows. libfaketime reads the offset from a file at every
    time call (FAKETIME_NO_CACHE), so moving it on takes effect at once in every process; the
    monotonic clock and file times stay the kernel's. The test computes TOTP codes from
    now(), the same clock as the server's."""

    def __init__(self, directory):
        self.path = os.path.join(directory, "clock")
        self.offset = 0
        self._write()

    def _write(self):
        tmp = self.path + ".new"
        with open(tmp, "w") as f:
            f.write("+%d\n" % self.offset)
        os.replace(tmp, self.path)  # a reader sees the old or the new offset, never half

    def env(self, lib):
        return {"LD_PRELOAD": lib, "FAKETIME_TIMESTAMP_FILE": self.path,
                "FAKETIME_NO_CACHE": "1", "FAKETIME_DONT_FAKE_MONOTONIC": "1",
                "NO_FAKE_STAT": "1",
                # an ASan build must come first in the link order; libfaketime is preloaded
                "ASAN_OPTIONS": (os.environ.get("ASAN_OPTIONS", "") +
                                 ":verify_asan_link_order=0").lstrip(":")}

    def now(self):
        return time.time() + self.offset

    def advance(self, seconds):
        """Move the clock on by whole seconds (libfaketime's offset file holds an integer)."""
        assert isinstance(seconds, int) and seconds > 0, seconds
        self.offset += seconds
        self._write()


class Codes:
    """Hands out codes of unused time steps, safest first: the current step, the next one
    (the server accepts one step of drift), and the previous one only while it stays valid
    for a few more seconds (a code of step s-1 handed out just before the step changes
    would be refused when it arrives: a flaky login). With a Clock (the server's), a user
    out of fresh steps moves the clock on by one step instead of waiting for the next one."""

    def __init__(self, clock=None):
        self.used = {}
        self.clock = clock

    def now(self):
        return self.clock.now() if self.clock is not None else time.time()

    def wait(self):
        if self.clock is not None:
            self.clock.advance(30)
        else:
            time.sleep(1)

    def code(self, user, secret):
        while True:
            now = self.now()
            s = int(now) // 30
            for st in [s, s + 1] + ([s - 1] if now - s * 30 < 22 else []):
                if st not in self.used.setdefault(user, set()):
                    self.used[user].add(st)
                    return totp(secret, st)
            self.wait()


def multipart(fields, files):
    """(content type, body bytes) of a multipart/form-data form: fields [(name, value)]
    first, then files {name: (filename, bytes)}."""
    b = "azkb" + os.urandom(12).hex()
    out = []
    for k, v in fields:
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n"
                    % (b, k, v)).encode("utf-8"))
    for k, (fn, data) in files.items():
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                    "Content-Type: application/octet-stream\r\n\r\n" % (b, k, fn))
                   .encode("utf-8"))
        out.append(data + b"\r\n")
    out.append(("--%s--\r\n" % b).encode("utf-8"))
    return "multipart/form-data; boundary=" + b, b"".join(out)


class Resp:
    def __init__(self, r):
        self.status = r.status
        self.headers = r.getheaders()
        self.body = r.read().decode("utf-8", "replace")

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def cookies(self):
        return [v for k, v in self.headers if k.lower() == "set-cookie"]


class Client:
    """One browser-like client: cookies kept by name, no redirects followed."""

    def __init__(self, port, cafile):
        self.port = port
        self.ctx = ssl.create_default_context(cafile=cafile)
        self.jar = {}

    def request(self, method, path, form=None, headers=None):
        c = http.client.HTTPSConnection("localhost", self.port, context=self.ctx, timeout=30)
        h = dict(headers or {})
        if self.jar:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.jar.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            h["Content-Type"] = "application/x-www-form-urlencoded"
        c.request(method, path, body=body, headers=h)
        r = Resp(c.getresponse())
        c.close()
        for sc in r.cookies():
            nv = sc.split(";", 1)[0]
            n, _, v = nv.partition("=")
            if "Max-Age=0" in sc or v == "":
                self.jar.pop(n, None)
            else:
                self.jar[n] = v
        return r

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, form):
        if path.startswith("/api/"):
            # the JSON API: the CSRF token in X-CSRF-Token, the rest a JSON object
            body = {k: v for k, v in form.items() if k != "csrf"}
            h = {"Content-Type": "application/json"}
            if form.get("csrf") is not None:
                h["X-CSRF-Token"] = form["csrf"]
            return self.request_body("POST", path, json.dumps(body), h)
        return self.request("POST", path, form=form)

    def request_body(self, method, path, body, headers):
        c = http.client.HTTPSConnection("localhost", self.port, context=self.ctx, timeout=30)
        h = dict(headers)
        if self.jar:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.jar.items())
        c.request(method, path, body=body.encode("utf-8"), headers=h)
        r = Resp(c.getresponse())
        c.close()
        return r

    def upload(self, path, fields, files):
        """A multipart/form-data POST (a page's file upload): fields in order (put the csrf
        token first: the server takes no file before it), then files {name: (filename,
        bytes)}."""
        ct, body = multipart(fields, files)
        c = http.client.HTTPSConnection("localhost", self.port, context=self.ctx, timeout=30)
        h = {"Content-Type": ct}
        if self.jar:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.jar.items())
        c.request("POST", path, body=body, headers=h)
        r = Resp(c.getresponse())
        c.close()
        return r

    def csrf(self, path):
        r = self.get(path)
        m = re.search(r'name="csrf" value="([0-9a-f]{64})"', r.body)
        return m.group(1) if m else None

    def login(self, user, password, code):
        tok = self.csrf("/login")
        return self.post("/login", {"csrf": tok, "user": user, "password": password,
                                    "code": code})


class Server:
    """`azukari serve` on a free port with a fresh home; env: extra environment;
    prepare(self): called instead of the plain `azukari init` before the server
    starts (a fixture that makes and fills the home itself, e.g. on a faked clock).
    clock=True: the server and the commands run for its home on a test Clock
    (self.clock) when libfaketime is installed; self.clock is None otherwise (codes
    then wait for real steps)."""

    def __init__(self, env=None, prepare=None, clock=False):
        self.dir = tempfile.mkdtemp(prefix="azk-serve-")
        os.chmod(self.dir, 0o700)
        self.home = os.path.join(self.dir, "home")
        self.bin = T.azk_bin()
        self.env = dict(os.environ, AZUKARI_HOME=self.home, AZUKARI_LANG="ja")
        self.clock = None
        lib = libfaketime() if clock else None
        if lib is not None:
            self.clock = Clock(self.dir)
            self.env.update(self.clock.env(lib))
        self.env.update(env or {})
        if prepare is not None:
            prepare(self)
        else:
            r = T.run([self.bin, "--home", self.home, "init"], env=self.env)
            assert r.rc == 0, r.err
        self.port = free_port()
        self.out = log_file(os.path.join(self.dir, "serve.out"))
        self.p = subprocess.Popen([self.bin, "--home", self.home, "serve", "--port",
                                   str(self.port)], stdout=self.out, stderr=subprocess.STDOUT,
                                  env=self.env, start_new_session=True)
        self.link = None
        for _ in range(200):
            self.out.seek(0)
            text = self.out.read()
            m = re.search(r"(https://localhost:\d+/enrol\?token=[0-9a-f]{64})", text)
            if m:
                self.link = m.group(1)
                break
            if self.p.poll() is not None:
                raise AssertionError("serve exited: " + text)
            time.sleep(0.05)
        self.cafile = os.path.join(self.home, "serve", "ca.pem")

    def azk(self, *args):
        return T.run([self.bin, "--home", self.home] + list(args), env=self.env)

    def client(self):
        return Client(self.port, self.cafile)

    def sql(self, *stmts):
        """Test fixture: run statements on the home's catalog (SQLite, or the PostgreSQL
        database azukari.conf names when the e2e suite runs on PostgreSQL)."""
        conf = os.path.join(self.home, "azukari.conf")
        url = None
        if os.path.exists(conf):
            with open(conf) as f:
                url = json.load(f).get("catalog")
        if url:
            for st in stmts:
                r = subprocess.run([T.psql(), "-X", "-v", "ON_ERROR_STOP=1", url, "-c", st],
                                   capture_output=True, text=True, timeout=60)
                assert r.returncode == 0, r.stderr
            return
        db = sqlite3.connect(os.path.join(self.home, "catalog.db"))
        with db:
            for st in stmts:
                db.execute(st)
        db.close()

    def enrol(self, user, password):
        """Enrol through the one-time link; returns the TOTP secret (base32)."""
        c = self.client()
        path = self.link[self.link.index("/enrol"):]
        r = c.get(path)
        assert r.status == 200, r.body
        tok = path.split("token=")[1]
        r = c.post("/enrol", {"token": tok, "user": user, "password": password,
                              "password2": password})
        assert r.status == 200, r.body
        m = re.search(r'id="totp-secret">([A-Z2-7]+)<', r.body)
        assert m, r.body
        return m.group(1)

    def stop(self):
        """SIGTERM; returns the exit status and the output."""
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.p.pid, signal.SIGKILL)
                self.p.wait()
        self.out.seek(0)
        return self.p.returncode, self.out.read()

    def cleanup(self):
        self.stop()
        self.out.close()
        T.rmtree(self.dir) if hasattr(T, "rmtree") else subprocess.run(["rm", "-rf", self.dir])


def chrome():
    """Headless Chromium for the pages of a test server (the caller quits it): Japanese,
    1366x768 (the laptop the pages must be usable on), the server's own CA accepted."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    o = webdriver.ChromeOptions()
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1366,768",
              "--lang=ja", "--disable-dev-shm-usage"):
        o.add_argument(a)
    o.accept_insecure_certs = True
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=o)
