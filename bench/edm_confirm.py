#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""edm_confirm.py -- false and true attributions of entrusted records, for
the general-zone scan (candidates from truncated keyed hashes) and for
`azukari impact` (candidates confirmed against the decrypted records),
with several scanning keys (issue 18 item 9).

A synthetic population of households (names weighted like Japanese names,
from tools/gen_people.py's World: common family names at their published
share, given names and places from the IPA dictionary) is generated; one
member of some households is entrusted (a CSV taken in with `azukari
intake`). Log and note lines are written for

  * entrusted people (truth: their row), in five shapes: a print log line
    (宛名, 〒, address, TEL), a free-text note (name 様 + birth date), a
    CSV-like line (name, birth date, phone), a mail log line (e-mail +
    name), a dispatch line (name 様, 〒, address);
  * people who are NOT entrusted, near collisions of an entrusted person R:
    household    a member of R's household (same family name, address,
                 postal code, home phone; other given name, birth date)
    same_name_home a member of R's household with R's full name (a
                 grandchild named after a grandparent; other birth date,
                 own mobile): indistinguishable from R on a line with only
                 the name and the address (print, dispatch); the rule
                 counts on such people being rare (confirm.c, q_home),
                 so its false rows are reported apart
    surname_birth same family name and birth date as R, phone one digit off
    homonym      same full name as R, everything else different
    phone_digit  R's phone with one digit changed and R's postal code
    name_birth   same full name AND birth date as R (other address, phone):
                 indistinguishable from R in a name + birth-date note
    random       anyone else of the population
    each in the same five shapes.

Every row attributed that was not written as an entrusted person's line is
a false attribution. Counts per million decoy lines, recall per shape.

The decoys above are adversarial: every one is a near collision of an
entrusted row, and two classes (name_birth, same_name_home) are
indistinguishable from the record by construction on some shapes, so the
precision on that mix says nothing about real files. `realistic` measures
precision on a population instead (issue 18: EDM precision >= 0.999): the
same number of decoy lines, about people drawn from the dataset's own
name, birth-date and address distributions (tools/gen_people.py's World)
at natural rates -- 85 % strangers, 15 % co-residents of entrusted people
(the households' other members, distinct given names) -- in the same five
shapes, so that a stranger with an entrusted person's name and birth date
occurs only as often as it would. Three impact runs on the first home: the
true lines alone, the realistic decoy lines alone, the adversarial decoy
lines alone; each gives its confirmed rows split by basis (strict,
name_birth, household: docs/impact.md), so the precision of the strict
count and of strict + name_birth (+ household) is
true / (true + false) per basis.

Usage: edm_confirm.py --azukari BIN --rows N --lines L [--keys K] [--true-share P]
                      [--reuse] [--seed S] [--work DIR] [--json OUT]
                      [--realistic-lines N | --no-realistic]
K homes take the same dataset in: each has its own random scanning key.
"""
import argparse
import csv
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(SRC, "tools"))
import gen_people as gp  # noqa: E402

HDR = ["顧客番号", "氏名", "フリガナ", "生年月日", "郵便番号", "住所", "電話番号", "メール"]
SHAPES = ["print", "note", "csvline", "mail", "dispatch"]
# realistic population: the share of decoy lines about co-residents of entrusted people (a
# contractor's files mention ~10 x N people, ~1.5 N of them the records' household members)
REALISTIC_CORESIDENT_SHARE = 0.15
DECOYS = ["household", "surname_birth", "homonym", "phone_digit", "name_birth", "random",
          "same_name_home"]


def person(world, rnd, fam, famk, addr, home, birth=None, giv=None):
    if giv is None:
        giv, givk = world.given.pick(rnd)
    else:
        giv, givk = giv
    return {"fam": fam, "famk": famk, "giv": giv, "givk": givk,
            "birth": birth or gp.rand_birth(rnd, 1935, 2000), "addr": addr,
            "phone": home if home and rnd.random() < 0.5 else world.phone(True),
            "email": "u%08d@example.%s" % (rnd.randrange(10 ** 8), rnd.choice(["jp", "com"]))}


def addr_text(a):
    b1, b2, b3 = a["blk"]
    return "%s%s%s%d-%d-%d" % (a["pref"], a["muni"], a["town"], b1, b2, b3)


def one_digit_off(rnd, phone):
    s = list(phone)
    idx = [i for i, c in enumerate(s) if c.isdigit()][3:]
    i = rnd.choice(idx)
    s[i] = rnd.choice([d for d in "0123456789" if d != s[i]])
    return "".join(s)


def line(rnd, p, shape, n):
    y, m, d = p["birth"]
    name = p["fam"] + " " + p["giv"]
    if shape == "print":
        return "2024-06-01 12:%02d:%02d PRINT job=%d 宛名=%s 様 〒%s %s TEL:%s" % (
            n // 60 % 60, n % 60, 4000 + n, name, p["addr"]["postal"], addr_text(p["addr"]),
            p["phone"])
    if shape == "note":
        return "%s様より問い合わせ。生年月日（%d年%d月%d日）を確認。" % (p["fam"] + p["giv"], y, m, d)
    if shape == "csvline":
        return "%d,%s,%04d/%02d/%02d,%s" % (n, name, y, m, d, p["phone"])
    if shape == "mail":
        return "2024-06-01 mail sent to=%s name=%s 様" % (p["email"], name)
    return "発送 %s 様 〒%s %s" % (name, p["addr"]["postal"], addr_text(p["addr"]))


def generate(a, work):
    rnd = random.Random(a.seed)
    world = gp.World(rnd, SRC)
    entrusted = []
    households = []
    while len(entrusted) < a.rows:
        fam, famk = world.family.pick(rnd)
        addr = world.address()
        home = world.phone(False) if rnd.random() < 0.6 else None
        members = []
        for _ in range(rnd.choice([1, 2, 3, 4])):
            # the family register refuses a name a living member already holds: members of
            # one household have distinct given names (as tools/gen_people.py, except its
            # deliberate same-name children; see the decoy same_name_home)
            giv = world.given.pick(rnd)
            while any(m["giv"] == giv[0] for m in members):
                giv = world.given.pick(rnd)
            members.append(person(world, rnd, fam, famk, addr, home, None, giv))
        households.append(members)
        entrusted.append((members[0], members[1:]))
    rows = []
    for i, (p, _) in enumerate(entrusted):
        y, m, d = p["birth"]
        rows.append(["C%07d" % (i + 1), p["fam"] + " " + p["giv"], p["famk"] + " " + p["givk"],
                     "%04d/%02d/%02d" % (y, m, d), p["addr"]["postal"], addr_text(p["addr"]),
                     p["phone"], p["email"]])
    ds = os.path.join(work, "dataset.csv")
    with open(ds, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(HDR)
        w.writerows(rows)
    # lines: a share of true lines, the rest decoys
    truth = {}  # line number -> row
    kinds = []  # line number -> (kind, shape)
    decoy_of = {}  # row -> [(kind, shape)] of the decoy lines made from it
    unused = list(range(len(entrusted) // 2, len(entrusted)))
    rnd.shuffle(unused)
    out = []
    for n in range(a.lines):
        shape = SHAPES[n % len(SHAPES)]
        # true lines come from the first half of the rows, decoys are near collisions of the
        # second half: a row of the second half attributed is always a false attribution
        # (each row of the second half gives one decoy line at most, so a false row tells
        # which near collision it was)
        half = len(entrusted) // 2
        is_true = rnd.random() < a.true_share
        if is_true:
            i = rnd.randrange(half)
        else:
            if a.reuse:
                i = half + rnd.randrange(len(entrusted) - half)
            elif not unused:
                sys.exit("--rows must be at least twice the decoy lines (or --reuse)")
            else:
                i = unused.pop()
        r, others = entrusted[i]
        if is_true:
            out.append(line(rnd, r, shape, n))
            truth[n] = i + 1
            kinds.append(("true", shape))
            continue
        kind = DECOYS[rnd.randrange(len(DECOYS))]
        if kind == "household":
            if not others:
                kind = "random"
            else:
                q = rnd.choice(others)
        if kind == "surname_birth":
            q = person(world, rnd, r["fam"], r["famk"], world.address(), None, r["birth"])
            if q["giv"] == r["giv"]:
                q["giv"] += "子"
            q["phone"] = one_digit_off(rnd, r["phone"])
        elif kind == "homonym":
            q = person(world, rnd, r["fam"], r["famk"], world.address(), None, None,
                       (r["giv"], r["givk"]))
        elif kind == "phone_digit":
            fam, famk = world.family.pick(rnd)
            q = person(world, rnd, fam, famk, world.address(), None)
            q["phone"] = one_digit_off(rnd, r["phone"])
            q["addr"] = dict(q["addr"], postal=r["addr"]["postal"])
        elif kind == "name_birth":
            q = person(world, rnd, r["fam"], r["famk"], world.address(), None, r["birth"],
                       (r["giv"], r["givk"]))
        elif kind == "same_name_home":
            q = person(world, rnd, r["fam"], r["famk"], r["addr"], None, None,
                       (r["giv"], r["givk"]))
        elif kind == "random":
            fam, famk = world.family.pick(rnd)
            q = person(world, rnd, fam, famk, world.address(), None)
        out.append(line(rnd, q, shape, n))
        kinds.append((kind, shape))
        decoy_of.setdefault(i + 1, []).append((kind, shape))
    log = os.path.join(work, "stolen.log")
    with open(log, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")
    # the realistic population: as many decoy lines as above, about people of the World at
    # natural rates (a share of them the entrusted people's co-residents); the true lines and
    # the adversarial decoys apart, each file one impact run
    co_residents = [q for _, others in entrusted for q in others]
    pop = []
    for n in range(a.realistic_lines or len(out) - len(truth)):
        shape = SHAPES[n % len(SHAPES)]
        if co_residents and rnd.random() < REALISTIC_CORESIDENT_SHARE:
            q = rnd.choice(co_residents)
        else:
            fam, famk = world.family.pick(rnd)
            q = person(world, rnd, fam, famk, world.address(), None)
        pop.append(line(rnd, q, shape, n))
    files = {"true": [ln for n, ln in enumerate(out) if n in truth],
             "realistic": pop,
             "adversarial": [ln for n, ln in enumerate(out) if n not in truth]}
    parts = {}
    for name, lines in files.items():
        parts[name] = os.path.join(work, "part-%s.log" % name)
        with open(parts[name], "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
    return ds, log, truth, kinds, decoy_of, parts


def run(cmd, env, ok=(0, 1)):
    p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode not in ok:
        sys.exit("%s: rc %d: %s" % (cmd[1], p.returncode, p.stderr.decode(errors="replace")))
    return p.stdout.decode()


def per_line_rows(bin_, env, fp, key, log, work):
    """Candidates of the general-zone scan, line by line: each line is one object."""
    # one object per line would be slow; the scanner's rows per object suffice for the
    # totals, and lines are told apart by scanning the log once as a whole
    out = run([bin_, "scan", "--fingerprints", fp, "--fingerprint-key", key, "--format", "jsonl",
               log], env)
    rows = set()
    for ln in out.splitlines():
        o = json.loads(ln)
        for e in o.get("edm", []):
            rows.update(e["rows"])
    return rows


def home_run(a, k, ds, log, work):
    home = os.path.join(work, "home%d" % k)
    env = dict(os.environ, AZUKARI_HOME=home, TMPDIR=work, LC_ALL="C.UTF-8")
    b = a.azukari
    run([b, "init"], env, ok=(0,))
    run([b, "client", "add", "c1"], env, ok=(0,))
    run([b, "intake", "--client", "c1", "--dataset", "d1", "--purpose", "bench",
         "--retain-until", "2099-12-31", ds], env, ok=(0,))
    fp = os.path.join(work, "fp%d.azf" % k)
    run([b, "fingerprints", "export", "--out", fp], env, ok=(0,))
    cand = per_line_rows(b, env, fp, fp + ".key", log, work)
    pub, sec = os.path.join(work, "c%d.pub" % k), os.path.join(work, "c%d.sec" % k)
    run([b, "impact", "keygen", "--public", pub, "--secret", sec], env, ok=(0,))
    rep = os.path.join(work, "rep%d" % k)
    j = json.loads(run([b, "impact", "--format", "json", "--as-of", "2027-01-15",
                        "--report-dir", rep, "--client-key", "c1=" + pub, log], env))
    conf = set()
    lst = os.path.join(rep, "notification-list-c1.azkn")
    if os.path.exists(lst):
        for ln in run([b, "impact", "decrypt-list", "--key", sec, lst], env, ok=(0,)).splitlines():
            conf.add(json.loads(ln)["row"])
    return cand, conf, j


def impact_split(a, k, log, work, tag):
    """One more impact run in home k over log (not recorded): its confirmed rows by basis."""
    home = os.path.join(work, "home%d" % k)
    env = dict(os.environ, AZUKARI_HOME=home, TMPDIR=work, LC_ALL="C.UTF-8")
    j = json.loads(run([a.azukari, "impact", "--format", "json", "--as-of", "2027-01-15",
                        "--no-record", log], env))
    return {"records": j["records"], "strict": j.get("strict"),
            "name_birth": j.get("name_birth"), "household": j.get("household"),
            "name_birth_expected_false": j.get("name_birth_expected_false"),
            "household_expected_false": j.get("household_expected_false"),
            "probable": j.get("probable")}


def precision(t, f, bases):
    tp = sum(t[b] for b in bases)
    fp = sum(f[b] for b in bases)
    return {"true": tp, "false": fp, "precision": round(tp / (tp + fp), 6) if tp + fp else None}


def split_precision(true_part, decoy_part):
    """Precision of the strict count, of strict + name_birth, and of every confirmed record,
    when the confirmed rows of the true lines are true and those of the decoy lines false."""
    if true_part.get("strict") is None:
        return None
    return {"strict": precision(true_part, decoy_part, ["strict"]),
            "strict_name_birth": precision(true_part, decoy_part, ["strict", "name_birth"]),
            "all": precision(true_part, decoy_part, ["strict", "name_birth", "household"])}


def attribute(rows, truth, kinds, entrusted_rows):
    """Split attributed rows into true ones (a true line of that row) and false ones."""
    true_rows = set(truth.values())
    return len(rows & true_rows), len(rows - true_rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--azukari", required=True)
    ap.add_argument("--rows", type=int, default=44000)
    ap.add_argument("--lines", type=int, default=20000)
    ap.add_argument("--true-share", type=float, default=0.05)
    ap.add_argument("--keys", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--reuse", action="store_true",
                    help="decoys may reuse rows (more lines than rows; a false row's decoy "
                    "kind is then one of several)")
    ap.add_argument("--work")
    ap.add_argument("--json")
    ap.add_argument("--realistic-lines", type=int, default=0,
                    help="lines of the realistic population (default: as many as decoy lines)")
    ap.add_argument("--no-realistic", action="store_true",
                    help="skip the realistic-population precision (three more impact runs)")
    a = ap.parse_args()
    work = a.work or tempfile.mkdtemp(prefix="azk-edm-confirm-")
    os.makedirs(work, exist_ok=True)
    ds, log, truth, kinds, decoy_of, parts = generate(a, work)
    true_rows = set(truth.values())
    decoy_lines = sum(1 for k, _ in kinds if k != "true")
    decoy_kinds = {}
    for kd, sh in kinds:
        if kd != "true":
            decoy_kinds[kd] = decoy_kinds.get(kd, 0) + 1
    res = {"rows": a.rows, "lines": a.lines, "decoy_lines": decoy_lines,
           "decoy_lines_by_kind": decoy_kinds,
           "true_rows": len(true_rows), "keys": []}
    for k in range(a.keys):
        cand, conf, j = home_run(a, k, ds, log, work)
        ct, cf = len(cand & true_rows), len(cand - true_rows)
        ft, ff = len(conf & true_rows), len(conf - true_rows)
        ff_other = sum(1 for r in conf - true_rows
                       if all(kd != "same_name_home" for kd, _ in decoy_of.get(r, [])))
        other_lines = sum(len(v) for v in decoy_of.values()
                          if all(kd != "same_name_home" for kd, _ in v))

        def by_kind(rows):
            """False rows by the decoy lines made from them (a row with several decoy
            lines counts for each kind and shape)."""
            d = {}
            for r in rows - true_rows:
                for kd, sh in set(decoy_of.get(r, [("unrelated", "-")])):
                    d["%s/%s" % (kd, sh)] = d.get("%s/%s" % (kd, sh), 0) + 1
            return dict(sorted(d.items()))
        res["keys"].append({
            "candidates_true": ct, "candidates_false": cf,
            "candidates_false_per_million_lines": round(cf * 1e6 / max(decoy_lines, 1), 1),
            "confirmed_true": ft, "confirmed_false": ff,
            "confirmed_false_per_million_lines": round(ff * 1e6 / max(decoy_lines, 1), 1),
            # without the decoys that no line can tell apart (R's full name at R's address)
            "confirmed_false_other": ff_other,
            # per million decoy lines of the rows that had no same_name_home line (with
            # --reuse a row has several decoy lines)
            "confirmed_false_other_per_million_lines": round(ff_other * 1e6 / max(other_lines, 1), 1),
            "recall_candidates": round(ct / max(len(true_rows), 1), 4),
            "recall_confirmed": round(ft / max(len(true_rows), 1), 4),
            "impact_records": j["records"], "impact_candidates": j.get("candidates"),
            "impact_probable": j.get("probable"),
            "candidates_false_by_decoy": by_kind(cand),
            "confirmed_false_by_decoy": by_kind(conf),
            "confirmed_rows": sorted(conf)})
    sets = [tuple(k["confirmed_rows"]) for k in res["keys"]]
    res["confirmed_same_for_every_key"] = len(set(sets)) == 1
    # recall per shape: a true line's row confirmed
    conf0 = set(res["keys"][0]["confirmed_rows"])
    shape_tot = {}
    shape_hit = {}
    for n, row in truth.items():
        sh = kinds[n][1]
        shape_tot[sh] = shape_tot.get(sh, 0) + 1
        shape_hit[sh] = shape_hit.get(sh, 0) + (row in conf0)
    res["recall_confirmed_by_shape_lines"] = {s: round(shape_hit[s] / shape_tot[s], 4)
                                              for s in shape_tot}
    for k in res["keys"]:
        del k["confirmed_rows"]
    if not a.no_realistic:
        sp = {name: impact_split(a, 0, path, work, name) for name, path in parts.items()}
        res["basis_runs"] = sp
        # realistic: strangers and co-residents at natural rates; adversarial: the near
        # collisions above, two classes of them indistinguishable by construction
        res["precision_realistic"] = split_precision(sp["true"], sp["realistic"])
        res["precision_adversarial"] = split_precision(sp["true"], sp["adversarial"])
        res["realistic_decoy_lines"] = a.realistic_lines or decoy_lines
    txt = json.dumps(res, indent=2, ensure_ascii=False)
    print(txt)
    if a.json:
        with open(a.json, "w") as f:
            f.write(txt + "\n")
    if not a.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
