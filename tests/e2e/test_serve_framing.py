# SPDX-License-Identifier: Apache-2.0
"""test_serve_framing.py -- request smuggling and endless bodies against every listener of
`azukari serve` (the web UI over TLS, its plain-HTTP redirect, the agents' listener over
TLS), spoken as raw HTTP/1.1 on sockets. A request whose body length two readers could read
differently (Content-Length and Transfer-Encoding: chunked together; a Transfer-Encoding
other than chunked; two different Content-Lengths) is refused with 400 before any route or
handler runs, and nothing that followed in the same connection is answered (the bytes a
proxy would take for a second request are never read as one). The redirect answers before
any body and reads none. The agents' listener (a batch,
an enrolment) cuts off a body streamed without end after twice its limit, as the upload
routes do."""

import json
import os
import shutil
import socket
import ssl
import tempfile
import unittest

import agent_testlib as A
import serve_client as S

MIB = 1024 * 1024


class ServeFramingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rport = S.free_port()
        cls.srv = A.AgentServer(args=["--redirect-port", str(cls.rport)])
        cls.tmp = tempfile.mkdtemp(prefix="azk-framing-")

    @classmethod
    def tearDownClass(cls):
        cls.srv.cleanup()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def connect(self, port, tls=True, ident=None):
        s = socket.create_connection(("localhost", port))
        if tls:
            ctx = ssl.create_default_context(cafile=self.srv.cafile)
            if ident:
                ctx.load_cert_chain(ident)
            s = ctx.wrap_socket(s, server_hostname="localhost")
        s.settimeout(30)
        return s

    def raw(self, port, data, tls=True):
        """Send data (one or more requests) and read until the server closes: the list of
        (status, body) answers found."""
        s = self.connect(port, tls)
        out = b""
        try:
            s.sendall(data)
            try:
                while True:
                    d = s.recv(65536)
                    if not d:
                        break
                    out += d
            except OSError:
                pass
        finally:
            s.close()
        answers = []
        for a in out.split(b"HTTP/1.1 ")[1:]:
            answers.append((int(a[:3]), a.split(b"\r\n\r\n", 1)[-1]))
        return answers

    def ambiguous(self, path, host="localhost"):
        """Requests whose body length is ambiguous, each followed by bytes a proxy reading
        the other length would take for a second request (a GET of /smuggled)."""
        smuggled = b"GET /smuggled HTTP/1.1\r\nHost: localhost\r\n\r\n"
        chunk_end = b"0\r\n\r\n"
        out = []

        def req(headers, body):
            return (("POST %s HTTP/1.1\r\nHost: %s\r\n" % (path, host)).encode() +
                    b"".join(b"%s: %s\r\n" % (k.encode(), v.encode()) for k, v in headers) +
                    b"\r\n" + body)
        # CL.TE: a proxy reading Content-Length passes the whole; chunked ends at 0
        body = chunk_end + smuggled
        out.append(("CL+TE", req([("Content-Type", "application/json"),
                                  ("Content-Length", str(len(body))),
                                  ("Transfer-Encoding", "chunked")], body)))
        out.append(("TE+CL", req([("Transfer-Encoding", "chunked"),
                                  ("Content-Type", "application/json"),
                                  ("Content-Length", "4")], b"2\r\n{}\r\n" + chunk_end)))
        out.append(("TE gzip, chunked", req([("Content-Type", "application/json"),
                                             ("Transfer-Encoding", "gzip, chunked")],
                                            b"2\r\n{}\r\n" + chunk_end)))
        out.append(("TE twice", req([("Content-Type", "application/json"),
                                     ("Transfer-Encoding", "chunked"),
                                     ("Transfer-Encoding", "chunked")],
                                    b"2\r\n{}\r\n" + chunk_end)))
        out.append(("TE identity", req([("Content-Type", "application/json"),
                                        ("Transfer-Encoding", "identity")], b"")))
        out.append(("two Content-Lengths", req([("Content-Type", "application/json"),
                                                ("Content-Length", "2"),
                                                ("Content-Length", str(2 + len(smuggled)))],
                                               b"{}" + smuggled)))
        return out

    def check_refused(self, port, path, tls=True, code=True):
        for what, data in self.ambiguous(path):
            with self.subTest(what, port=port):
                answers = self.raw(port, data, tls)
                self.assertEqual(len(answers), 1, (what, answers))  # /smuggled never answered
                st, body = answers[0]
                self.assertEqual(st, 400, (what, body[:300]))
                if code:
                    self.assertEqual(json.loads(body)["error"]["code"], "bad_framing",
                                     (what, body[:300]))

    def test_web_ui_refuses_ambiguous_length(self):
        """Regression: libmicrohttpd took chunked over Content-Length, so a proxy believing
        the length would forward a second, smuggled request. Now: 400 on the API and on a
        page, before the route (an unknown path would be 404, /login's form 403)."""
        self.check_refused(self.srv.port, "/api/v1/no-such-route")
        self.check_refused(self.srv.port, "/login", code=False)
        # an unambiguous request on the same listener is answered as before
        answers = self.raw(self.srv.port, b"GET /login HTTP/1.1\r\nHost: localhost\r\n"
                           b"Connection: close\r\n\r\n")
        self.assertEqual([a[0] for a in answers], [200])

    def test_redirect_listener_refuses_ambiguous_length(self):
        self.check_refused(self.rport, "/login", tls=False, code=False)
        answers = self.raw(self.rport, b"GET /x HTTP/1.1\r\nHost: localhost\r\n"
                           b"Connection: close\r\n\r\n", tls=False)
        self.assertEqual([a[0] for a in answers], [308])

    def test_redirect_listener_reads_no_body(self):
        """Regression: the plain-HTTP redirect read a request body to its end (no limit)
        before answering 308. Now the 308 comes when the headers do, the body is not read
        and the connection is closed."""
        s = self.connect(self.rport, tls=False)
        sent, out = 0, b""
        try:
            s.sendall(b"POST /login HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n"
                      b"\r\n" % (256 * MIB))
            try:
                while sent < 256 * MIB:
                    s.sendall(b"x" * 65536)
                    sent += 65536
            except OSError:
                pass
            try:
                while True:
                    d = s.recv(65536)
                    if not d:
                        break
                    out += d
            except OSError:
                pass
        finally:
            s.close()
        self.assertTrue(out.startswith(b"HTTP/1.1 308"), out[:200])
        self.assertLess(sent, 64 * MIB)

    def test_agents_listener_refuses_ambiguous_length(self):
        """The agents' listener: 400 bad_framing before the route and the certificate check
        (enrolment, which takes no certificate, would have answered `malformed`)."""
        self.check_refused(self.srv.aport, "/api/v1/agent/enroll")
        self.check_refused(self.srv.aport, "/api/v1/agent/batches")
        self.assertNotIn("/smuggled", A.read_out(self.srv))

    def endless(self, path, ident=None, total=64 * MIB):
        """POST a chunked body of `total` bytes (never ending, for the server); returns
        (status or None when closed without an answer, body bytes sent)."""
        s = self.connect(self.srv.aport, ident=ident)
        blk = b"%x\r\n" % 65536 + b"x" * 65536 + b"\r\n"
        sent, out = 0, b""
        try:
            s.sendall(("POST %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                       "Content-Type: application/json\r\nContent-Encoding: deflate\r\n"
                       "X-Azukari-Time: 1\r\nTransfer-Encoding: chunked\r\n\r\n"
                       % path).encode())
            try:
                while sent < total:
                    s.sendall(blk)
                    sent += 65536
                s.sendall(b"0\r\n\r\n")
            except OSError:
                pass
            try:
                while True:
                    d = s.recv(65536)
                    if not d:
                        break
                    out += d
            except OSError:
                pass
        finally:
            s.close()
        return (int(out[9:12]) if out.startswith(b"HTTP/1.1 ") else None), sent

    def test_agents_endless_body_cut_off(self):
        """Regression: the agents' listener read a body over its limit (8 MiB for a batch,
        64 KiB for an enrolment) to its end before answering 413, so a client could stream
        for ever. Now, as the upload routes: cut off past twice the limit (1 MiB at least)."""
        a = A.Agent(self.tmp, "endless-pc")
        r = a.enroll(self.srv, self.srv.token("g1", "general"), host="endless-pc")
        self.assertEqual(r.rc, 0, r.err)
        st, sent = self.endless("/api/v1/agent/batches", ident=a.ident)
        self.assertIsNone(st)
        self.assertLess(sent, 32 * MIB)  # 16 MiB read, then closed (+ socket buffers)
        st, sent = self.endless("/api/v1/agent/enroll", total=16 * MIB)
        self.assertIsNone(st)
        self.assertLess(sent, 8 * MIB)
        # the agent and the listener go on
        st, doc = A.call(self.srv, "GET", "/api/v1/agent/policy", ident=a.ident)
        self.assertIn(st, (200, 404), doc)


if __name__ == "__main__":
    unittest.main()
