#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""gen_score.py -- score `azukari scan --format jsonl` output against the
ground truth written by gen_corpus.py: per-type precision and recall, the
recall of each surface form, and value-free examples of misses and false
positives (object, line, type; the scanner's masked form at most).

Matching rule: a reported finding is a true positive when an expected
finding of the same type, not yet matched, exists on the same line of the
same object (objects whose lines are not comparable, docx/pptx, match on
type within the object). person_name counts each mention. A ground-truth
member element null is an optional container layer (a gzip stream), so
["a.log"] and [] both match [null] and ["x.tar", "a.log"] and ["a.log"]
both match [null, "a.log"].

Usage: tools/gen_score.py TRUTH.json SCAN.jsonl --root SCANNED_DIR
"""

import argparse
import json
import os
import sys

TYPES = ["person_name", "address", "postal_code", "phone", "email", "birth_date",
         "my_number", "corporate_number", "bank_account", "credit_card"]


def member_match(pattern, actual):
    if not pattern:
        return not actual
    if pattern[0] is None:
        if member_match(pattern[1:], actual):
            return True
        return bool(actual) and member_match(pattern[1:], actual[1:])
    return bool(actual) and actual[0] == pattern[0] and member_match(pattern[1:], actual[1:])


def rel_path(path, root):
    p = os.path.normpath(path)
    if root is None:
        return p
    r = os.path.normpath(root)
    ra = os.path.normpath(os.path.abspath(r))
    pa = os.path.normpath(os.path.abspath(p))
    if pa.startswith(ra + os.sep):
        return pa[len(ra) + 1:]
    if p.startswith(r + os.sep):
        return p[len(r) + 1:]
    return p


class Score:
    def __init__(self):
        self.tp, self.fp, self.fn = {}, {}, {}
        self.form_tot, self.form_hit = {}, {}
        self.misses = []      # (path, member, line, type, form)
        self.false_pos = []   # (path, member, line, type, masked, decoy kind or "")
        self.encoding_checked = 0
        self.encoding_wrong = []  # (path, member, expected, got)
        self.errors = []      # (path, member, code)
        self.unmatched_objects = 0
        self.by_kind = {}     # (format, encoding) -> [expected, tp, fp]
        self.by_dim = {}      # (dimension, value, type) -> [expected, tp, fp]

    def types(self):
        return TYPES + sorted(t for t in set(self.tp) | set(self.fp) | set(self.fn) if t not in TYPES)

    def prf(self, t):
        tp, fp, fn = self.tp.get(t, 0), self.fp.get(t, 0), self.fn.get(t, 0)
        prec = tp / (tp + fp) if tp + fp else 1.0
        rec = tp / (tp + fn) if tp + fn else 1.0
        return tp, fp, fn, prec, rec

    def table(self):
        rows = ["%-17s %8s %8s %7s %6s %6s %9s %7s" % ("type", "expected", "reported", "TP", "FP",
                                                      "FN", "precision", "recall")]
        for t in self.types():
            tp, fp, fn, p, r = self.prf(t)
            rows.append("%-17s %8d %8d %7d %6d %6d %9.4f %7.4f" % (t, tp + fn, tp + fp, tp, fp, fn, p, r))
        return "\n".join(rows)

    def form_table(self, only_imperfect=True):
        rows = []
        for (t, f), n in sorted(self.form_tot.items()):
            h = self.form_hit.get((t, f), 0)
            if only_imperfect and h == n:
                continue
            rows.append("  %-17s %-22s %5d/%-5d recall %.3f" % (t, f, h, n, h / n))
        return "\n".join(rows)

    def kind_table(self):
        rows = ["%-6s %-12s %8s %7s %6s %7s" % ("format", "encoding", "expected", "TP", "FP", "recall")]
        for (fmt, enc), (n, tp, fp) in sorted(self.by_kind.items()):
            rows.append("%-6s %-12s %8d %7d %6d %7.4f" % (fmt, enc, n, tp, fp, tp / n if n else 1.0))
        return "\n".join(rows)

    def dim_table(self, dim):
        """Per-type precision and recall for each value of a dimension
        ("encoding" or "container")."""
        rows = ["%-14s %-17s %8s %7s %6s %9s %7s" % (dim, "type", "expected", "TP", "FP",
                                                     "precision", "recall")]
        for (d, v, t), (n, tp, fp) in sorted(self.by_dim.items()):
            if d != dim or (n == 0 and fp == 0):
                continue
            rows.append("%-14s %-17s %8d %7d %6d %9.4f %7.4f" % (
                v, t, n, tp, fp, tp / (tp + fp) if tp + fp else 1.0, tp / n if n else 1.0))
        return "\n".join(rows)

    def examples(self, per_type=3):
        out = []
        for title, items in (("missed (false negatives)", self.misses),
                             ("false positives", self.false_pos)):
            seen = {}
            lines = []
            for it in items:
                t = it[3]
                if seen.get(t, 0) >= per_type:
                    continue
                seen[t] = seen.get(t, 0) + 1
                if len(it) == 5:
                    lines.append("  %-16s %s %s line %s form=%s" % (t, it[0], it[1], it[2], it[4]))
                else:
                    lines.append("  %-16s %s %s line %s masked=%r%s" % (
                        t, it[0], it[1], it[2], it[4], (" on decoy " + it[5]) if it[5] else ""))
            if lines:
                out.append(title + ":")
                out += lines
        return "\n".join(out)


def score(truth, records, root=None):
    s = Score()
    objs = truth["objects"]
    by_path = {}
    for o in objs:
        by_path.setdefault(o["path"], []).append(o)
    # expected pools
    pools = []
    for o in objs:
        pool = {}
        for e in o["expected"]:
            key = (e["type"], e["line"]) if o["line_exact"] else (e["type"],)
            pool.setdefault(key, []).append(e["form"])
            s.form_tot[(e["type"], e["form"])] = s.form_tot.get((e["type"], e["form"]), 0) + 1
        pools.append(pool)
    idx = {id(o): i for i, o in enumerate(objs)}
    decoys = {}
    for i, o in enumerate(objs):
        for d in o["decoys"]:
            k = (i, d["line"], d["type"])
            decoys[k] = decoys[k] + "+" + d["kind"] if k in decoys else d["kind"]
    enc_seen = set()

    def kind(o):
        k = (o["format"], o.get("encoding_label") or "-")
        if k not in s.by_kind:
            s.by_kind[k] = [0, 0, 0]
        return s.by_kind[k]
    def container(o):
        """plain, or the outer container's kind (zip, tar, tar.gz, gz ...),
        "+nested" when members are nested."""
        if not o["member"]:
            return "plain"
        name = o["path"].lower()
        for ext in ("tar.gz", "tgz", "zip", "tar", "gz", "xlsx", "docx", "pptx"):
            if name.endswith("." + ext):
                break
        else:
            ext = "other"
        return ext + ("+nested" if len([m for m in o["member"] if m]) > 1 else "")

    def dim(o, t):
        out = []
        for d, v in (("encoding", o.get("encoding_label") or o.get("encoding") or "-"),
                     ("container", container(o))):
            out.append(s.by_dim.setdefault((d, v, t), [0, 0, 0]))
        return out
    for o in objs:
        kind(o)[0] += len(o["expected"])
        for e in o["expected"]:
            for c in dim(o, e["type"]):
                c[0] += 1
    for rec in records:
        path = rel_path(rec["path"], root)
        member = rec.get("member") or []
        cands = [o for o in by_path.get(path, []) if member_match(o["member"], member)]
        obj = cands[0] if cands else None
        if rec.get("error"):
            s.errors.append((path, member, (rec["error"] or {}).get("code")))
        if obj is not None and obj["encoding"] and rec.get("format") in ("text", "csv", "tsv"):
            i = idx[id(obj)]
            if i not in enc_seen:
                enc_seen.add(i)
                s.encoding_checked += 1
                if (rec.get("encoding") or "").lower() != obj["encoding"]:
                    s.encoding_wrong.append((path, member, obj["encoding"], rec.get("encoding")))
        for f in rec.get("findings") or []:
            t, line = f.get("type"), f.get("line")
            if obj is None:
                s.fp[t] = s.fp.get(t, 0) + 1
                s.false_pos.append((path, member, line, t, f.get("masked"), "(object not in truth)"))
                continue
            i = idx[id(obj)]
            key = (t, line) if obj["line_exact"] else (t,)
            forms = pools[i].get(key)
            if forms:
                form = forms.pop(0)
                s.tp[t] = s.tp.get(t, 0) + 1
                s.form_hit[(t, form)] = s.form_hit.get((t, form), 0) + 1
                kind(obj)[1] += 1
                for c in dim(obj, t):
                    c[1] += 1
            else:
                s.fp[t] = s.fp.get(t, 0) + 1
                kind(obj)[2] += 1
                for c in dim(obj, t):
                    c[2] += 1
                s.false_pos.append((path, member, line, t, f.get("masked"),
                                    decoys.get((i, line, t), "")))
        if not cands and rec.get("findings"):
            s.unmatched_objects += 1
    for i, o in enumerate(objs):
        for key, forms in pools[i].items():
            for form in forms:
                t = key[0]
                s.fn[t] = s.fn.get(t, 0) + 1
                s.misses.append((o["path"], o["member"], key[1] if len(key) > 1 else "*", t, form))
    for t in TYPES:
        s.tp.setdefault(t, 0)
    return s


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("truth")
    ap.add_argument("jsonl")
    ap.add_argument("--root", help="the directory that was scanned (to relativise paths)")
    ap.add_argument("--examples", type=int, default=3)
    ap.add_argument("--by", default="", help="also per-type precision/recall per value of "
                    "encoding, container (comma-separated)")
    a = ap.parse_args(argv)
    with open(a.truth, encoding="utf-8") as f:
        truth = json.load(f)
    recs = []
    with open(a.jsonl, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                recs.append(json.loads(line))
    s = score(truth, recs, a.root)
    print(s.table())
    print(s.kind_table())
    if a.by:
        for d in a.by.split(","):
            print(s.dim_table(d))
    ft = s.form_table()
    if ft:
        print("surface forms below full recall:\n" + ft)
    ex = s.examples(a.examples)
    if ex:
        print(ex)
    if s.encoding_wrong:
        print("encoding mismatches: %d of %d" % (len(s.encoding_wrong), s.encoding_checked))
    return 0


if __name__ == "__main__":
    sys.exit(main())
