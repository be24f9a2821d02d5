# SPDX-License-Identifier: Apache-2.0
"""test_serve_browser.py -- `azukari serve` in a real browser: Debian's
chromium + chromium-driver driven by python3-selenium, headless. Enrols the
first administrator through the one-time link, logs in with password +
TOTP, checks the dashboard (a dataset past its deadline shown loudly, in
Japanese), switches to English and back, logs out, and saves screenshots
of the login page and the dashboard under <build>/serve-screens/ (look
at them: the Japanese must render). Skips when selenium or chromedriver is
missing (tools/install-deps.sh --test installs them).

The browser accepts the server's self-signed chain (acceptInsecureCerts):
loading serve/ca.pem into chromium's NSS store would need certutil; the
TLS chain itself is checked by test_serve.py with the CA file."""

import os
import shutil
import unittest

import serve_client as S

try:
    import selenium  # noqa: F401
except ImportError:  # a Python other than Debian's (pyenv): use Debian's python3-selenium
    import sys
    sys.path.append("/usr/lib/python3/dist-packages")
try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:  # pragma: no cover
    webdriver = None

PW = "correct horse battery"


@unittest.skipIf(webdriver is None or shutil.which("chromedriver") is None,
                 "python3-selenium or chromium-driver missing")
class ServeBrowserTest(unittest.TestCase):
    def setUp(self):
        self.srv = S.Server()
        self.addCleanup(self.srv.cleanup)
        self.codes = S.Codes()
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
        o = webdriver.ChromeOptions()
        for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1366,768",
                  "--lang=ja", "--disable-dev-shm-usage"):
            o.add_argument(a)
        o.accept_insecure_certs = True
        self.drv = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=o)
        self.addCleanup(self.drv.quit)
        self.base = "https://localhost:%d" % self.srv.port

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


if __name__ == "__main__":
    unittest.main()
