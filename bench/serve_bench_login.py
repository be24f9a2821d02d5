# SPDX-License-Identifier: Apache-2.0
"""serve_bench_login.py -- for bench/serve_bench.sh: enrol the first
administrator of a running `azukari serve` through its one-time link, log
in with password + TOTP, print the session cookie ("__Host-azk=...").
Uses the tests' client (tests/e2e/serve_client.py).
Usage: serve_bench_login.py PORT CAFILE LINK"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "e2e"))
import serve_client as S  # noqa: E402


class Srv(S.Server):
    def __init__(self, port, cafile, link):  # an existing server: no init, no start
        self.port, self.cafile, self.link = int(port), cafile, link


def main():
    port, cafile, link = sys.argv[1:4]
    srv = Srv(port, cafile, link)
    secret = srv.enrol("bench", "bench password 12345")
    c = srv.client()
    r = c.login("bench", "bench password 12345", S.Codes().code("bench", secret))
    assert r.status == 303, r.body
    print("__Host-azk=" + c.jar["__Host-azk"])


if __name__ == "__main__":
    main()
