# SPDX-License-Identifier: Apache-2.0
"""agent_testlib.py -- helpers for the tests of `azukari agent`: a real
`azukari serve --agent-port` on free ports with a fresh home (stoppable and
restartable on the same home and ports), agents in homes of their own
(`azukari init`, enrol, run), a raw HTTPS client for the agent API that
presents a chosen client certificate (or none), the ledger's text."""

import http.client
import json
import os
import re
import signal
import ssl
import subprocess
import tempfile
import time
import zlib

import azk_testlib as T
import serve_client as S


class AgentServer:
    """`azukari serve --agent-port` with a fresh home; env: extra environment."""

    def __init__(self, env=None, args=()):
        self.args = list(args)  # more options of `azukari serve`
        self.dir = tempfile.mkdtemp(prefix="azk-agent-")
        os.chmod(self.dir, 0o700)
        self.home = os.path.join(self.dir, "srv")
        self.bin = T.azk_bin()
        self.env = dict(os.environ, AZUKARI_LANG="en")
        self.env.update(env or {})
        r = T.run([self.bin, "--home", self.home, "init"], env=self.env)
        assert r.rc == 0, r.err
        self.port = S.free_port()
        self.aport = S.free_port()
        self.p = None
        self.starts = 0
        self.start()
        self.cafile = os.path.join(self.home, "serve", "ca.pem")
        self.url = "https://localhost:%d" % self.aport

    def start(self):
        self.starts += 1
        self.out = open(os.path.join(self.dir, "serve.out"), "a+")
        self.p = subprocess.Popen([self.bin, "--home", self.home, "serve", "--port",
                                   str(self.port), "--agent-port", str(self.aport)]
                                  + self.args,
                                  stdout=self.out, stderr=subprocess.STDOUT, env=self.env,
                                  start_new_session=True)
        for _ in range(400):
            self.out.seek(0)
            text = self.out.read()
            if text.count("agent API") >= self.starts:
                return
            if self.p.poll() is not None:
                raise AssertionError("serve exited: " + text)
            time.sleep(0.05)
        raise AssertionError("serve did not start")

    def link(self):
        """The first administrator's one-time enrolment link, as printed."""
        self.out.seek(0)
        m = re.search(r"(https://localhost:\d+/enrol\?token=[0-9a-f]{64})", self.out.read())
        return m.group(1) if m else None

    def admin(self, password):
        """Enrol the first administrator through the link and log in: a serve_client.Client."""
        c = S.Client(self.port, self.cafile)
        path = self.link()
        path = path[path.index("/enrol"):]
        assert c.get(path).status == 200
        r = c.post("/enrol", {"token": path.split("token=")[1], "user": "admin",
                              "password": password, "password2": password})
        assert r.status == 200, r.body
        secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', r.body).group(1)
        c.codes = S.Codes()
        r = c.login("admin", password, c.codes.code("admin", secret))
        assert r.status == 303, r.body
        c.step_up = lambda: c.codes.code("admin", secret)  # a fresh code for a step-up
        self.admin_secret = secret
        return c

    def people(self, roles, password="correct horse battery"):
        """The first administrator ("admin", enrolled here) and copies of its catalog row
        under other names and roles ({name: role}; same password and TOTP secret), each
        logged in: {name: serve_client.Client with .step_up() for a fresh code}."""
        out = {"admin": self.admin(password)}
        codes = out["admin"].codes
        s = S.Server.__new__(S.Server)  # only its sql() is used: it needs .home
        s.home = self.home
        s.sql(*["INSERT INTO users(name, nonce, secret, created_at, created_by, state,"
                " approved_by, pw_hash, role) SELECT '%s', nonce, secret, created_at,"
                " 'admin', 'active', 'admin', pw_hash, '%s' FROM users WHERE name = 'admin'"
                % (u, role) for u, role in roles.items()])
        for u in roles:
            c = S.Client(self.port, self.cafile)
            c.codes = codes
            r = c.login(u, password, codes.code(u, self.admin_secret))
            assert r.status == 303, r.body
            c.step_up = (lambda name: lambda: codes.code(name, self.admin_secret))(u)
            out[u] = c
        return out

    def stop(self):
        if self.p is not None and self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.p.pid, signal.SIGKILL)
                self.p.wait()
        self.out.close()

    def azk(self, *args, env=None):
        e = dict(self.env)
        e.update(env or {})
        return T.run([self.bin, "--home", self.home] + list(args), env=e)

    def token(self, group="g1", zone="general", *extra):
        r = self.azk("agent", "token", "create", "--group", group, "--zone", zone, *extra)
        assert r.rc == 0, r.err
        return r.out.strip()

    def policy(self, group, doc):
        path = os.path.join(self.dir, "policy-%s.json" % group)
        with open(path, "w") as f:
            json.dump(doc, f)
        r = self.azk("agent", "policy", "set", "--group", group, path)
        assert r.rc == 0, r.err

    def query(self, sql, params=()):
        return T.catalog_query(self.home, sql, params)

    def ledger(self):
        return ledger_text(self)

    def cleanup(self):
        self.stop()
        subprocess.run(["rm", "-rf", self.dir])


class Agent:
    """An agent in a home of its own under `base`."""

    def __init__(self, base, name, env=None):
        self.home = os.path.join(base, name)
        self.bin = T.azk_bin()
        self.env = dict(os.environ, AZUKARI_LANG="en")
        self.env.update(env or {})
        r = T.run([self.bin, "--home", self.home, "init"], env=self.env)
        assert r.rc == 0, r.err
        self.ident = os.path.join(self.home, "agent", "identity.pem")

    def azk(self, *args, env=None, timeout=300):
        e = dict(self.env)
        e.update(env or {})
        return T.run([self.bin, "--home", self.home] + list(args), env=e, timeout=timeout)

    def enroll(self, srv, token, host="host"):
        return self.azk("agent", "enroll", "--server", srv.url, "--token", token, "--ca",
                        srv.cafile, "--host", host)

    def run(self, *args, env=None):
        return self.azk("agent", "run", "--once", "--retry-ms", "50", *args, env=env)

    def state(self):
        with open(os.path.join(self.home, "agent", "state.json")) as f:
            return json.load(f)

    def spool(self):
        d = os.path.join(self.home, "agent", "spool")
        return sorted(os.listdir(d)) if os.path.isdir(d) else []

    def ledger(self):
        return ledger_text(self)


def read_out(srv):
    """What `azukari serve` printed so far."""
    srv.out.flush()
    srv.out.seek(0)
    return srv.out.read()


def ledger_text(x):
    r = T.run([x.bin, "--home", x.home, "audit", "log"], env=x.env)
    assert r.rc == 0, r.err
    return r.out


def home_bytes(home):
    """Every byte of every file under home (for 'never in clear' checks)."""
    out = b""
    for root, _dirs, files in os.walk(home):
        for f in files:
            try:
                with open(os.path.join(root, f), "rb") as fh:
                    out += fh.read()
            except OSError:
                pass
    return out


def call(srv, method, path, body=None, ident=None, headers=None):
    """A raw call to the agent API; returns (status, JSON answer or None)."""
    ctx = ssl.create_default_context(cafile=srv.cafile)
    if ident:
        ctx.load_cert_chain(ident)
    c = http.client.HTTPSConnection("localhost", srv.aport, context=ctx, timeout=30)
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    c.close()
    try:
        doc = json.loads(data) if data else None
    except ValueError:
        doc = None
    return r.status, doc


def batch_body(objects, batch_id=None, created_at=None, lost=0):
    doc = {"batch_id": batch_id or os.urandom(16).hex(),
           "created_at": int(created_at or time.time()), "lost_objects": lost,
           "objects": objects}
    return doc["batch_id"], zlib.compress(json.dumps(doc).encode())


def upload(srv, ident, body, clock=None, encoding="deflate"):
    h = {"Content-Type": "application/json", "X-Azukari-Time": str(int(clock or time.time()))}
    if encoding:
        h["Content-Encoding"] = encoding
    return call(srv, "POST", "/api/v1/agent/batches", body, ident, h)


def obj(path="/srv/share/a.csv", **kw):
    o = {"path": path, "size": 10, "mtime": 1, "format": "csv", "counts": {"phone": 1},
         "examples": ["090-****-5678"], "edm": [], "score": 1.5, "error": None}
    o.update(kw)
    return o


def code(doc):
    return (doc or {}).get("error", {}).get("code")


def count_re(pattern, text):
    return len(re.findall(pattern, text))
