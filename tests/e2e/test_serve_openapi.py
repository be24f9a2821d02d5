# SPDX-License-Identifier: Apache-2.0
"""test_serve_openapi.py -- docs/api/openapi.yaml against the server: every
/api/v1 route of the route table (src/lib/serve/routes.c, read as text, so
routes added by any area are checked without a change here) must be
described, with its method; every described route must exist; and real
answers of every described GET route, for an administrator, a client user
and nobody, plus the API's error answers (404, 405, 401, 400), must have a
status the description lists and a body its schema accepts (JSON Schema
2020-12, python3-jsonschema; python3-yaml reads the description)."""

import json
import os
import re
import unittest

import jsonschema
import yaml

import serve_client as S
import serve_plat_lib as P

SRC = os.environ.get("AZK_SRCDIR") or os.path.join(os.path.dirname(__file__), "..", "..")
METHODS = ("get", "post", "put", "patch", "delete")


# the route tables: people's (routes.c) and the agents' mutual-TLS listener's (agents_http.c)
ROUTE_FILES = (("src", "lib", "serve", "routes.c"), ("src", "lib", "serve", "agents_http.c"))


def route_table(files=ROUTE_FILES):
    """(METHOD, path) of every /api/ route in the route tables."""
    found = set()
    for parts in files:
        with open(os.path.join(SRC, *parts), encoding="utf-8") as f:
            text = f.read()
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)  # commented-out routes do not count
        found |= set(re.findall(r'\{\s*"([A-Z]+)"\s*,\s*"(/api/[^"]*)"', text))
    return sorted(found)


class UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses a key twice in one mapping (PyYAML keeps the last
    silently: two areas describing one path or one schema name would hide one)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, "duplicate key %r" % (key,), key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_doc():
    with open(os.path.join(SRC, "docs", "api", "openapi.yaml"), encoding="utf-8") as f:
        return yaml.load(f, Loader=UniqueKeyLoader)  # noqa: S506 (a SafeLoader subclass)


def full_path(doc, p):
    """A described path as the server sees it (paths are relative to servers[0].url)."""
    base = (doc.get("servers") or [{"url": ""}])[0]["url"].rstrip("/")
    return p if p.startswith("/api/") else base + p


def deref(doc, node):
    while isinstance(node, dict) and "$ref" in node and len(node) == 1:
        ref = node["$ref"]
        assert ref.startswith("#/"), ref
        node = doc
        for part in ref[2:].split("/"):
            node = node[part]
    return node


class OpenApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.doc = load_doc()
        cls.ops = {}
        for p, item in (cls.doc.get("paths") or {}).items():
            for m in METHODS:
                if m in item:
                    cls.ops[(m.upper(), full_path(cls.doc, p))] = item[m]
        cls.srv = S.Server(env={"AZK_SERVE_SOURCE_FAILS": "100"})
        cls.codes = S.Codes()
        cls.secret = cls.srv.enrol("admin", P.PW)
        r = cls.srv.azk("user", "add", "bob")
        assert r.rc == 0, r.err
        cls.bob_secret = r.out.strip()
        assert cls.srv.azk("client", "add", "c1").rc == 0
        cls.srv.sql("UPDATE users SET role='client', pw_hash=(SELECT pw_hash FROM users"
                    " WHERE name='admin') WHERE name='bob'",
                    "INSERT INTO user_grants(name, client) VALUES('bob', 'c1')",
                    "INSERT INTO datasets(id, client, uuid, purpose, retain_until, schema_json,"
                    " source_name, format, encoding, records, bytes, created_at, created_by)"
                    " VALUES('ds-1', 'c1', 'u-1', 'dm', '2020-01-01', '{}', 'x', 'csv', 'utf-8',"
                    " 1, 1, '2026-01-01T00:00:00Z', 't')")
        cls.users = {"administrator": P.login(cls.srv, cls.codes, "admin", cls.secret),
                     "client": P.login(cls.srv, cls.codes, "bob", cls.bob_secret),
                     "nobody": None}

    @classmethod
    def tearDownClass(cls):
        cls.srv.cleanup()

    def check_answer(self, op, what, status, hdrs, text):
        """The status is described for op, and the body fits the described schema."""
        responses = op.get("responses") or {}
        resp = responses.get(str(status)) or responses.get("default")
        self.assertIsNotNone(resp, "%s: answer %d is not described (%s)" % (what, status, text))
        resp = deref(self.doc, resp)
        content = (resp.get("content") or {}).get("application/json")
        self.assertIsNotNone(content, "%s: %d has no application/json schema" % (what, status))
        self.assertTrue(hdrs.get("content-type", "").startswith("application/json"), what)
        schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
                  "components": self.doc.get("components", {}),
                  "allOf": [content["schema"]]}
        try:
            jsonschema.Draft202012Validator(schema).validate(json.loads(text))
        except jsonschema.ValidationError as e:
            self.fail("%s: %d does not fit its schema: %s\n%s" % (what, status, e.message, text))

    def test_description_is_valid(self):
        self.assertEqual(str(self.doc["openapi"])[:3], "3.1")
        for name, sch in self.doc["components"]["schemas"].items():
            jsonschema.Draft202012Validator.check_schema(sch)
        # every $ref resolves
        with open(os.path.join(SRC, "docs", "api", "openapi.yaml"), encoding="utf-8") as f:
            refs = re.findall(r'\$ref["\']?:\s*["\']?(#/[^"\'}\s,]+)', f.read())
        for ref in refs:
            deref(self.doc, {"$ref": ref})

    def test_every_api_route_is_described(self):
        routes = route_table()
        self.assertTrue(routes, "no /api/ route found in routes.c")
        missing = [r for r in routes if r not in self.ops]
        self.assertEqual(missing, [], "routes of routes.c not in docs/api/openapi.yaml")
        extra = [k for k in self.ops if k not in routes]
        self.assertEqual(extra, [], "described in openapi.yaml, not in the route table")

    def test_real_answers_fit_the_description(self):
        # the people's listener; the agents' routes (mutual TLS, another port) are
        # answered in test_agent
        gets = [k for k in self.ops if k[0] == "GET" and k in route_table(ROUTE_FILES[:1])]
        self.assertTrue(gets)
        for (m, path) in gets:
            op = self.ops[(m, path)]
            for who, c in self.users.items():
                st, h, t = P.raw(self.srv.port, self.srv.cafile, m, path,
                                 jar=c.jar if c else None)
                self.check_answer(op, "%s %s as %s" % (m, path, who), st, h, t)
                if who == "nobody":
                    self.assertEqual(st, 401, path)
            # the paginated ones: a bad limit is a described 400
            params = [deref(self.doc, p).get("name") for p in op.get("parameters", [])]
            if "limit" in params:
                st, h, t = P.raw(self.srv.port, self.srv.cafile, m, path + "?limit=0",
                                 jar=self.users["administrator"].jar)
                self.assertEqual(st, 400, path)
                self.check_answer(op, "%s %s?limit=0" % (m, path), st, h, t)

    def test_error_answers_fit_the_error_schema(self):
        err = {"responses": {"default": {"description": "error", "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}}
        admin = self.users["administrator"]
        for method, path, want in (("GET", "/api/v1/no-such-route", 404),
                                   ("PUT", "/api/v1/me", 405),
                                   ("GET", "/api/v1/me", 401)):
            st, h, t = P.raw(self.srv.port, self.srv.cafile, method, path,
                             jar=admin.jar if want != 401 else None)
            self.assertEqual(st, want, t)
            self.check_answer(err, "%s %s" % (method, path), st, h, t)


if __name__ == "__main__":
    unittest.main()
