# SPDX-License-Identifier: Apache-2.0
"""serve_ui_fixtures.py -- people for the tests of azukari serve's pages: users
enrolled through an administrator's one-time link over HTTPS (the administrator
asks for the link with a step-up code), approved by a second person when the
deployment is past its first two users. Used by test_serve_ui.py and
test_serve_browser.py."""

import re

import serve_client as S

PW = "correct horse battery"


class Codes(S.Codes):
    """TOTP codes of unused time steps, safest first: the current step, the next one (the
    server accepts one step of drift), and the previous one only while it stays valid for
    a few more seconds (a code of step s-1 handed out just before the step changes would
    be refused when it arrives: a flaky login). With the server's Clock, a user out of
    fresh steps moves that clock on instead of waiting."""

    def code(self, user, secret):
        while True:
            now = self.now()
            s = int(now) // 30
            cands = [s, s + 1] + ([s - 1] if now - s * 30 < 22 else [])
            for st in cands:
                if st not in self.used.setdefault(user, set()):
                    self.used[user].add(st)
                    return S.totp(secret, st)
            self.wait()


class People:
    def __init__(self, srv, codes, admin_secret):
        self.srv = srv
        self.codes = codes
        self.secrets = {"admin": admin_secret}
        self.sessions = {}

    def login(self, user):
        c = self.srv.client()
        r = c.login(user, PW, self.codes.code(user, self.secrets[user]))
        assert r.status == 303, r.body
        self.sessions[user] = c
        return c

    def session(self, user):
        return self.sessions.get(user) or self.login(user)

    def act(self, user, page, action, form, code=None):
        c = self.session(user)
        f = dict(form)
        f["csrf"] = c.csrf(page)
        f["code"] = code if code is not None else self.codes.code(user, self.secrets[user])
        return c.post(action, f)

    def link(self, role):
        r = self.act("admin", "/admin/users", "/admin/users/link", {"role": role})
        assert r.status == 200, r.body
        m = re.search(r'id="enrol-link">(https://[^<]+)<', r.body)
        assert m, r.body
        return m.group(1)

    def enrol(self, name, role, approver=None):
        """Enrol through a link; approver (a logged-in user's name) approves when pending.
        Returns the enrolment answer's body."""
        tok = self.link(role).split("token=")[1]
        c = self.srv.client()
        r = c.post("/enrol", {"token": tok, "user": name, "password": PW, "password2": PW})
        assert r.status == 200, r.body
        self.secrets[name] = re.search(r'id="totp-secret">([A-Z2-7]+)<', r.body).group(1)
        if 'id="pending"' in r.body and approver is not None:
            a = self.act(approver, "/admin/users", "/admin/users/approve", {"user": name})
            assert a.status == 200, a.body
        return r.body

    def grant(self, user, client):
        r = self.act("admin", "/admin/users", "/admin/grants/add",
                     {"user": user, "client": client})
        assert r.status == 200, r.body
