#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""gen_logs.py -- an ordinary-log tree for bench/scan_bench.sh (part `logs`).

  bench/gen_logs.py --out DIR [--size 200M] [--seed 1]

The kind of data issue 16's held-out corpus holds: a contractor's servers'
ordinary logs and exports, mostly ASCII and mostly free of personal data.
Files of 1-8 MiB, UTF-8 (a few CP932 application logs), in this mix by
bytes: nginx access lines (35%), application logs with key=value fields and
stack traces (30%), syslog lines (15%), ASCII inventory/order CSV (12%),
job/batch logs with Japanese messages (8%). About 3% of application lines
carry Japanese text and about 0.5% of all lines an e-mail address, a phone
number, a postal address or a person's name (synthetic values).

Every line is made from random parts (times advance, ids, addresses, paths,
sizes and durations vary), so lines rarely repeat verbatim: a memo of lines
gains nothing here. Deterministic for a seed.
"""

import argparse
import os
import random
import sys

SURNAMES = ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤",
            "吉田", "山田", "佐々木", "山口", "松本", "井上", "木村", "林", "斎藤", "清水"]
GIVEN = ["翔太", "陽菜", "大輔", "美咲", "健一", "由美", "直樹", "恵子", "拓也", "彩"]
PLACES = ["東京都千代田区丸の内1-2-3", "大阪府大阪市北区梅田2-4-9", "神奈川県横浜市西区みなとみらい3-1-1",
          "愛知県名古屋市中区栄4-5-6", "福岡県福岡市博多区博多駅前2-1-1", "北海道札幌市中央区北一条西7-1"]
PATHS = ["/api/v1/orders", "/api/v1/orders/{id}", "/api/v1/items", "/static/js/app.{h}.js",
         "/static/css/site.{h}.css", "/health", "/login", "/api/v2/jobs/{id}/status",
         "/images/banner_{n}.png", "/api/v1/search?q=item{n}&page={p}", "/favicon.ico"]
AGENTS = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/120.0.0.0 Safari/537.36",
          "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.1 Safari/605.1.15",
          "curl/7.88.1", "Go-http-client/1.1", "python-requests/2.31.0", "kube-probe/1.28"]
LEVELS = ["INFO"] * 14 + ["DEBUG"] * 4 + ["WARN"] * 2 + ["ERROR"]
SERVICES = ["order-api", "print-batch", "mail-merge", "inventory", "auth", "report-gen"]
EVENTS = ["request handled", "job started", "job finished", "cache miss", "retrying upstream",
          "batch committed", "connection pool stats", "token refreshed", "file rotated",
          "queue depth", "slow query"]
JP_EVENTS = ["印刷ジョブを開始しました", "差込データを読み込みました", "封入工程が完了しました",
             "再送処理を実行します", "帳票の生成に失敗しました", "バッチ処理が正常終了しました"]
SYSLOG_PROGS = ["sshd", "CRON", "systemd", "kernel", "postfix/smtpd", "rsyslogd"]
JAVA = ["at com.example.print.JobRunner.run(JobRunner.java:{n})",
        "at com.example.print.MergeService.merge(MergeService.java:{n})",
        "at java.base/java.util.concurrent.ThreadPoolExecutor.runWorker(ThreadPoolExecutor.java:1136)",
        "at org.springframework.jdbc.core.JdbcTemplate.execute(JdbcTemplate.java:{n})"]


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.t = 1_700_000_000 + self.r.randrange(10_000_000)

    def tick(self):
        self.t += self.r.choice((0, 0, 0, 1, 1, 2))
        return self.t

    def ts_iso(self):
        t = self.tick()
        return "2026-%02d-%02dT%02d:%02d:%02d.%03d+09:00" % (
            (t // 2_600_000) % 12 + 1, (t // 86400) % 28 + 1, (t // 3600) % 24,
            (t // 60) % 60, t % 60, self.r.randrange(1000))

    def ts_clf(self):
        t = self.tick()
        return "%02d/Dec/2026:%02d:%02d:%02d +0900" % ((t // 86400) % 28 + 1, (t // 3600) % 24,
                                                       (t // 60) % 60, t % 60)

    def ip(self):
        r = self.r
        return "%d.%d.%d.%d" % (r.choice((10, 172, 192, 203)), r.randrange(256), r.randrange(256),
                                r.randrange(1, 255))

    def hexid(self, n):
        return "%0*x" % (n, self.r.getrandbits(4 * n))

    def pii(self):
        r = self.r
        k = r.randrange(4)
        if k == 0:
            return "user%d.%s@example.co.jp" % (r.randrange(100000), r.choice(("kk", "tn", "ms")))
        if k == 1:
            return "0%d0-%04d-%04d" % (r.choice((7, 8, 9)), r.randrange(10000), r.randrange(10000))
        if k == 2:
            return "〒%03d-%04d %s" % (r.randrange(100, 1000), r.randrange(10000), r.choice(PLACES))
        return "%s %s 様" % (r.choice(SURNAMES), r.choice(GIVEN))

    def nginx(self):
        r = self.r
        path = r.choice(PATHS).format(id=r.randrange(10 ** 7), h=self.hexid(8), n=r.randrange(100),
                                      p=r.randrange(1, 40))
        return '%s - - [%s] "%s %s HTTP/1.1" %d %d "-" "%s" rt=%.3f uct=%.3f' % (
            self.ip(), self.ts_clf(), r.choice(("GET", "GET", "GET", "POST", "PUT")), path,
            r.choice((200, 200, 200, 200, 304, 404, 500, 201)), r.randrange(50, 200000),
            r.choice(AGENTS), r.random(), r.random() / 10)

    def app(self):
        r = self.r
        lv = r.choice(LEVELS)
        msg = r.choice(JP_EVENTS) if r.random() < 0.03 else r.choice(EVENTS)
        line = "%s %-5s [%s] %s trace_id=%s span=%s job=%d elapsed_ms=%d rows=%d" % (
            self.ts_iso(), lv, r.choice(SERVICES), msg, self.hexid(32), self.hexid(16),
            r.randrange(10 ** 6), r.randrange(5000), r.randrange(100000))
        if r.random() < 0.005:
            line += " contact=" + self.pii()
        out = [line]
        if lv == "ERROR" and r.random() < 0.5:
            out.append("java.lang.IllegalStateException: record %d rejected" % r.randrange(10 ** 6))
            for _ in range(r.randrange(3, 9)):
                out.append("\t" + r.choice(JAVA).format(n=r.randrange(20, 900)))
        return out

    def syslog(self):
        r = self.r
        t = self.tick()
        prog = r.choice(SYSLOG_PROGS)
        if prog == "sshd":
            msg = "Accepted publickey for deploy from %s port %d ssh2: ED25519 SHA256:%s" % (
                self.ip(), r.randrange(1024, 65535), self.hexid(22))
        elif prog == "CRON":
            msg = "(root) CMD (/usr/local/bin/rotate.sh --keep %d)" % r.randrange(3, 30)
        elif prog == "kernel":
            msg = "[%d.%06d] eth0: link up, 1000Mbps, full-duplex" % (r.randrange(10 ** 6), r.randrange(10 ** 6))
        else:
            msg = "%s: status=%s queue_id=%s" % (prog, r.choice(("sent", "deferred", "ok")), self.hexid(10).upper())
        return "Dec %2d %02d:%02d:%02d srv%02d %s[%d]: %s" % (
            (t // 86400) % 28 + 1, (t // 3600) % 24, (t // 60) % 60, t % 60, r.randrange(1, 20),
            prog, r.randrange(100, 99999), msg)

    def csv_row(self):
        r = self.r
        return "%d,SKU-%06d,%s,%d,%d.%02d,%s,WH%02d,%s" % (
            r.randrange(10 ** 8), r.randrange(10 ** 6), r.choice(("boxed", "loose", "pallet")),
            r.randrange(1, 500), r.randrange(1, 20000), r.randrange(100),
            self.ts_iso()[:10], r.randrange(1, 40), r.choice(("open", "shipped", "held", "closed")))

    def batch(self):
        r = self.r
        line = "%s ジョブ%05d %s 件数=%d 所要=%d秒" % (self.ts_iso(), r.randrange(100000),
                                                r.choice(JP_EVENTS), r.randrange(100000), r.randrange(600))
        if r.random() < 0.005:
            line += " 担当=" + self.pii()
        return line


def write_file(g, path, kind, nbytes, enc):
    with open(path, "wb") as f:
        done = 0
        if kind == "csv":
            head = "order_id,sku,packing,qty,price,date,warehouse,status\n".encode(enc)
            f.write(head)
            done += len(head)
        buf = []
        while done < nbytes:
            if kind == "nginx":
                lines = [g.nginx()]
            elif kind == "app":
                lines = g.app()
            elif kind == "syslog":
                lines = [g.syslog()]
            elif kind == "csv":
                lines = [g.csv_row()]
            else:
                lines = [g.batch()]
            b = ("\n".join(lines) + "\n").encode(enc, errors="replace")
            buf.append(b)
            done += len(b)
            if len(buf) >= 4096:
                f.write(b"".join(buf))
                buf = []
        f.write(b"".join(buf))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--size", default="200M")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    s = a.size.upper()
    total = int(float(s[:-1]) * mult[s[-1]]) if s[-1] in mult else int(s)
    g = Gen(a.seed)
    mix = [("nginx", 0.35, "log"), ("app", 0.30, "log"), ("syslog", 0.15, "log"),
           ("csv", 0.12, "csv"), ("batch", 0.08, "log")]
    os.makedirs(a.out, exist_ok=True)
    n = 0
    for kind, share, ext in mix:
        left = int(total * share)
        while left > 0:
            size = min(left, g.r.randrange(1 << 20, 8 << 20))
            enc = "cp932" if kind in ("batch", "app") and g.r.random() < 0.25 else "utf-8"
            d = os.path.join(a.out, "srv%02d" % (n % 8))
            os.makedirs(d, exist_ok=True)
            write_file(g, os.path.join(d, "%s_%03d.%s" % (kind, n, ext)), kind, size, enc)
            left -= size
            n += 1
    print("gen_logs: %d files, %d bytes -> %s" % (n, total, a.out), file=sys.stderr)


if __name__ == "__main__":
    main()
