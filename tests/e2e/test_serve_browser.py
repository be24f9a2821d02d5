# SPDX-License-Identifier: Apache-2.0
"""test_serve_browser.py -- `azukari serve` in a real browser: Debian's
chromium + chromium-driver driven by python3-selenium, headless. Enrols the
first administrator through the one-time link, logs in with password +
TOTP, checks the dashboard (a dataset past its deadline shown loudly, in
Japanese), switches to English and back, logs out; an operator's request
and an approver's step-up approval in the browser; a bank user who sees its
client and gets 403 for another client's dataset id typed in the URL;
session expiry. Screenshots of the main pages go to <build>/serve-screens/
(look at them: the Japanese must render, nothing clipped at 1366x768). Skips when selenium or chromedriver is
missing (tools/install-deps.sh --test installs them).

The browser accepts the server's self-signed chain (acceptInsecureCerts):
loading serve/ca.pem into chromium's NSS store would need certutil; the
TLS chain itself is checked by test_serve.py with the CA file."""

import os
import shutil
import unittest

import serve_client as S
import serve_ui_fixtures as F

try:
    import selenium  # noqa: F401
except ImportError:  # a Python other than Debian's (pyenv): use Debian's python3-selenium
    import sys
    sys.path.append("/usr/lib/python3/dist-packages")
try:
    from selenium import webdriver
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:  # pragma: no cover
    webdriver = None

PW = "correct horse battery"


@unittest.skipIf(webdriver is None or shutil.which("chromedriver") is None,
                 "python3-selenium or chromium-driver missing")
class ServeBrowserTest(unittest.TestCase):
    def setUp(self):
        self.srv = S.Server(clock=True)  # a user out of fresh TOTP steps moves its clock on
        self.addCleanup(self.srv.cleanup)
        self.codes = F.Codes(self.srv.clock)
        self.secret = self.srv.enrol("admin", PW)
        # two datasets of a client, one of them past its deadline
        self.assertEqual(self.srv.azk("client", "add", "shinkin-a").rc, 0)
        for ds in ("dm-2023", "dm-2024"):
            p = os.path.join(self.srv.dir, ds + ".csv")
            with open(p, "wb") as f:
                f.write(S.CSV)
            r = self.srv.azk("intake", "--client", "shinkin-a", "--dataset", ds, "--purpose",
                             "ダイレクトメール発送", "--retain-until", "2099-03-31", p)
            self.assertEqual(r.rc, 0, r.err)
        # test fixture: a deadline in the past (intake refuses one)
        self.srv.sql("UPDATE datasets SET retain_until='2024-03-31' WHERE id='dm-2023'")
        self.shots = os.path.join(os.environ.get("AZK_BUILDDIR", self.srv.dir), "serve-screens")
        os.makedirs(self.shots, exist_ok=True)
        self.drv = S.chrome()
        self.addCleanup(self.drv.quit)
        self.base = "https://localhost:%d" % self.srv.port

    def browser_login(self, user, secret):
        d = self.drv
        d.get(self.base + "/login")
        d.find_element(By.ID, "user").send_keys(user)
        d.find_element(By.ID, "password").send_keys(PW)
        d.find_element(By.ID, "code").send_keys(self.codes.code(user, secret))
        d.find_element(By.ID, "login").click()
        self.wait_url("/dashboard")

    def logout(self):
        self.drv.find_element(By.CSS_SELECTOR, "form[action='/logout'] button").click()
        self.wait_url("/login")

    def shot(self, name):
        self.drv.save_screenshot(os.path.join(self.shots, name + ".png"))

    def test_request_approval_client_portal(self):
        d = self.drv
        self.assertEqual(self.srv.azk("client", "add", "shinkin-b").rc, 0)
        p = os.path.join(self.srv.dir, "b.csv")
        with open(p, "wb") as f:
            f.write(S.CSV)
        r = self.srv.azk("intake", "--client", "shinkin-b", "--dataset", "dm-b", "--purpose",
                         "督促状", "--retain-until", "2099-03-31", p)
        self.assertEqual(r.rc, 0, r.err)
        people = F.People(self.srv, self.codes, self.secret)
        people.enrol("ope", "operator")
        people.login("ope")
        people.enrol("appr", "approver", approver="ope")
        people.enrol("bank", "client", approver="ope")
        people.grant("bank", "shinkin-a")
        # the operator asks for an early deletion, typing its code again
        self.browser_login("ope", people.secrets["ope"])
        d.get(self.base + "/requests")
        self.shot("requests-operator")
        d.find_element(By.ID, "req-dataset").send_keys("dm-2024")
        d.find_element(By.ID, "req-reason").send_keys("契約終了による早期削除")
        d.find_element(By.CSS_SELECTOR, "form[action='/requests/new'] input[name=code]") \
            .send_keys(self.codes.code("ope", people.secrets["ope"]))
        d.find_element(By.ID, "req-submit").click()
        WebDriverWait(d, 10).until(lambda x: x.find_elements(By.ID, "result"))
        self.assertIn("申請しました", d.find_element(By.ID, "result").text)
        self.shot("request-made")
        self.logout()
        # the approver approves it with step-up
        self.browser_login("appr", people.secrets["appr"])
        d.get(self.base + "/requests?state=pending")
        self.assertIn("承認待ち", d.find_element(By.ID, "requests").text)
        self.shot("requests-approver")
        d.find_element(By.CSS_SELECTOR, "form[action='/requests/approve'] input[name=code]") \
            .send_keys(self.codes.code("appr", people.secrets["appr"]))
        d.find_element(By.ID, "approve").click()
        WebDriverWait(d, 10).until(lambda x: x.find_elements(By.ID, "result"))
        self.assertIn("承認しました", d.find_element(By.ID, "result").text)
        d.get(self.base + "/requests")
        self.assertIn("承認済み", d.find_element(By.ID, "requests").text)
        d.get(self.base + "/dataset?id=dm-2023")  # past its deadline: said loudly
        self.assertIn("削除されていません", d.find_element(By.ID, "ds-overdue").text)
        for page, name in (("/dataset?id=dm-2023", "dataset"), ("/guard", "guard"),
                           ("/audit", "audit"), ("/certificates", "certificates"),
                           ("/keys", "keys"), ("/dashboard", "dashboard-approver"),
                           ("/admin/users", "users-approver")):
            d.get(self.base + page)
            self.shot(name)
        self.logout()
        # the administrator's pages
        self.browser_login("admin", self.secret)
        for page, name in (("/admin/users", "users-admin"), ("/admin/sessions", "sessions"),
                           ("/datasets", "datasets")):
            d.get(self.base + page)
            self.shot(name)
        self.logout()
        # the bank user: its client only; another client's id in the URL is refused
        self.browser_login("bank", people.secrets["bank"])
        rows = d.find_elements(By.CSS_SELECTOR, "#datasets tbody tr")
        self.assertEqual(len(rows), 2)
        self.assertNotIn("dm-b", d.find_element(By.ID, "datasets").text)
        self.shot("dashboard-client")
        d.get(self.base + "/dataset?id=dm-2024")
        self.assertEqual(d.find_element(By.ID, "ds-id").text, "dm-2024")
        self.assertEqual(d.find_elements(By.ID, "ds-overdue"), [])
        self.shot("dataset-client")
        d.get(self.base + "/dataset?id=dm-b")
        self.assertIn("権限がありません", d.find_element(By.TAG_NAME, "main").text)
        self.assertNotIn("督促状", d.page_source)
        self.shot("dataset-403")
        d.get(self.base + "/requests")
        self.assertIn("権限がありません", d.find_element(By.TAG_NAME, "main").text)
        self.logout()
        d.get(self.base + "/dataset?id=dm-2024")
        self.assertTrue(d.current_url.endswith("/login"), d.current_url)

    def wait_url(self, end):
        WebDriverWait(self.drv, 10).until(lambda x: x.current_url.endswith(end))

    def test_login_dashboard_logout(self):
        d = self.drv
        d.get(self.base + "/dashboard")
        self.assertTrue(d.current_url.endswith("/login"), d.current_url)
        self.assertIn("ログイン", d.title)
        d.save_screenshot(os.path.join(self.shots, "login.png"))
        d.find_element(By.ID, "user").send_keys("admin")
        d.find_element(By.ID, "password").send_keys(PW)
        d.find_element(By.ID, "code").send_keys(self.codes.code("admin", self.secret))
        d.find_element(By.ID, "login").click()
        self.wait_url("/dashboard")
        self.assertIn("ダッシュボード", d.title)
        overdue = d.find_element(By.ID, "overdue")
        self.assertIn("overdue", overdue.get_attribute("class"))
        self.assertIn("保管期限を過ぎて未削除のデータセット: 1", overdue.text)
        rows = d.find_elements(By.CSS_SELECTOR, "#datasets tbody tr")
        self.assertEqual(len(rows), 2)
        self.assertIn("dm-2023", rows[0].text)  # earliest deadline first
        # the page's one stylesheet applied (CSP allows 'self' styles only)
        bg = d.execute_script("return getComputedStyle(document.getElementById('overdue'))"
                              ".backgroundColor")
        self.assertEqual(bg, "rgb(176, 0, 32)")
        d.save_screenshot(os.path.join(self.shots, "dashboard.png"))
        d.find_element(By.LINK_TEXT, "English").click()
        WebDriverWait(d, 10).until(lambda x: x.title.startswith("Dashboard"))
        d.save_screenshot(os.path.join(self.shots, "dashboard-en.png"))
        d.find_element(By.LINK_TEXT, "日本語").click()
        WebDriverWait(d, 10).until(lambda x: x.title.startswith("ダッシュボード"))
        d.find_element(By.CSS_SELECTOR, "form[action='/logout'] button").click()
        self.wait_url("/login")
        d.get(self.base + "/dashboard")
        self.assertTrue(d.current_url.endswith("/login"), d.current_url)


@unittest.skipIf(webdriver is None or shutil.which("chromedriver") is None,
                 "python3-selenium or chromium-driver missing")
class ServeBrowserExpiryTest(unittest.TestCase):
    """A session idle longer than the timeout is gone: the next page is the login page."""

    def test_session_expiry(self):
        srv = S.Server(env={"AZK_SERVE_IDLE_S": "3"}, clock=True)
        self.addCleanup(srv.cleanup)
        codes = F.Codes(srv.clock)
        secret = srv.enrol("admin", PW)
        d = S.chrome()
        self.addCleanup(d.quit)
        base = "https://localhost:%d" % srv.port
        d.get(base + "/login")
        d.find_element(By.ID, "user").send_keys("admin")
        d.find_element(By.ID, "password").send_keys(PW)
        d.find_element(By.ID, "code").send_keys(codes.code("admin", secret))
        d.find_element(By.ID, "login").click()
        WebDriverWait(d, 10).until(lambda x: x.current_url.endswith("/dashboard"))
        if srv.clock is not None:
            srv.clock.advance(4)
        else:
            import time
            time.sleep(4)
        d.get(base + "/requests")
        self.assertTrue(d.current_url.endswith("/login"), d.current_url)


if __name__ == "__main__":
    unittest.main()
