# SPDX-License-Identifier: Apache-2.0
"""serve_plat_lib.py -- helpers for the serve platform's tests (API
plumbing, rate limits, reload, stop, bad input): raw HTTPS requests with
any body and headers, a logged-in API client, and more `azukari serve`
processes on an existing home (same catalog) with extra options."""

import http.client
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import time

import serve_client as S

PW = "correct horse battery"


def raw(port, cafile, method, path, body=None, headers=None, jar=None, timeout=30):
    """One request; returns (status, headers dict lower-case, body text)."""
    ctx = ssl.create_default_context(cafile=cafile)
    c = http.client.HTTPSConnection("localhost", port, context=ctx, timeout=timeout)
    h = dict(headers or {})
    if jar:
        h["Cookie"] = "; ".join("%s=%s" % kv for kv in jar.items())
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
        h.setdefault("Content-Type", "application/json")
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    text = r.read().decode("utf-8", "replace")
    hdrs = {}
    for k, v in r.getheaders():
        hdrs.setdefault(k.lower(), v)
    c.close()
    return r.status, hdrs, text


def api_error(test, status, hdrs, text, want_status, code=None):
    test.assertEqual(status, want_status, text)
    test.assertTrue(hdrs.get("content-type", "").startswith("application/json"), hdrs)
    doc = json.loads(text)
    test.assertEqual(doc["error"]["status"], want_status)
    test.assertIsInstance(doc["error"]["message"], str)
    if code:
        test.assertEqual(doc["error"]["code"], code, text)
    return doc


def login(srv, codes, user, secret, port=None):
    """A Client logged in as user (on `port`, default the server's)."""
    c = S.Client(port or srv.port, srv.cafile)
    r = c.login(user, PW, codes.code(user, secret))
    assert r.status == 303, r.body
    return c


class Extra:
    """Another `azukari serve` on srv's home (the same catalog), with extra arguments."""

    def __init__(self, srv, args=(), env=None, port=None):
        self.port = port or S.free_port()
        self.env = dict(srv.env)
        self.env.update(env or {})
        self.out = S.log_file(os.path.join(srv.dir, "serve-%d.out" % self.port))
        self.p = subprocess.Popen([srv.bin, "--home", srv.home, "serve", "--port",
                                   str(self.port)] + list(args), stdout=self.out,
                                  stderr=subprocess.STDOUT, env=self.env, start_new_session=True)
        for _ in range(400):
            self.out.seek(0)
            if re.search(r"https://\S+:\d+/", self.out.read()):
                break
            if self.p.poll() is not None:
                self.out.seek(0)
                raise AssertionError("serve exited: " + self.out.read())
            time.sleep(0.05)

    def text(self):
        self.out.seek(0)
        return self.out.read()

    def stop(self, sig=signal.SIGTERM, wait=60):
        if self.p.poll() is None:
            self.p.send_signal(sig)
            try:
                self.p.wait(wait)
            except subprocess.TimeoutExpired:
                os.killpg(self.p.pid, signal.SIGKILL)
                self.p.wait()
        self.out.close()
        return self.p.returncode
