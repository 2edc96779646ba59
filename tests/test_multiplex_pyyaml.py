#!/usr/bin/python3
# Copyright 2026 The hermes-svc authors
# SPDX-License-Identifier: MIT
"""hermes_multiplex_parse_config() against upstream's own reading of config.yaml.

Upstream (hermes-agent, gateway/config.py) loads the file with PyYAML's
yaml.safe_load(), takes the top-level `multiplex_profiles` when the key is
there, else `gateway.multiplex_profiles`, and coerces it with _coerce_bool();
a file it cannot load leaves multiplexing to the environment. This runs the
same documents through both, hand-picked ones and a few thousand generated
from a fixed seed, and fails on any difference in "loadable" or "on".

Known differences, kept out of the generated documents and listed below:
a cycle of `<<` merges (PyYAML settles it by the order it flattens in) and
flow forms libyaml refuses although PyYAML takes them (`[?]`, `{a:, b: 1}`).

Run by meson with GI_TYPELIB_PATH/LD_LIBRARY_PATH pointing at the build tree.
Prints TAP.
"""

import random
import sys

import gi

gi.require_version("Hermes", "1")
from gi.repository import GLib, Hermes  # noqa: E402

try:
    import yaml
except ImportError:
    print("1..0 # SKIP python3-yaml is not installed")
    sys.exit(0)

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


def coerce_bool(value):
    """gateway/config.py _coerce_bool(value, False) with utils.is_truthy_value()."""
    if value is None:
        return False
    if isinstance(value, str):
        token = value.strip().lower()
        return token in TRUE_WORDS
    if isinstance(value, bool):
        return value
    return bool(value)


def upstream(data):
    """(loadable, on) as hermes-agent reads the file (opened as UTF-8 text)."""
    try:
        text = data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
        cfg = yaml.safe_load(text) or {}
        found = {}
        if "multiplex_profiles" in cfg:
            found["value"] = cfg["multiplex_profiles"]
        gateway = cfg.get("gateway")
        if isinstance(gateway, dict) and "multiplex_profiles" in gateway and not found:
            found["value"] = gateway["multiplex_profiles"]
        return (True, coerce_bool(found.get("value")))
    except Exception:  # upstream catches everything and carries on
        return (False, False)


def ours(data):
    try:
        _ok, enabled, _key = Hermes.multiplex_parse_config(data)
        return (True, bool(enabled))
    except GLib.Error as e:
        assert e.code == int(Hermes.Error.INVALID_DATA), e.message
        return (False, False)


CURATED = [
    "multiplex_profiles: true\n",
    "gateway:\n  multiplex_profiles: yes\n",
    "multiplex_profiles: false\ngateway:\n  multiplex_profiles: true\n",
    "multiplex_profiles:\ngateway:\n  multiplex_profiles: true\n",
    "multiplex_profiles: \"  On \"\n",
    "multiplex_profiles: '1'\n",
    "multiplex_profiles: y\n",
    "multiplex_profiles: 0o17\n",
    "multiplex_profiles: 017\n",
    "multiplex_profiles: 0b_\n",
    "multiplex_profiles: 1_000\n",
    "multiplex_profiles: 0:00\n",
    "multiplex_profiles: 1.0e-999\n",
    "multiplex_profiles: 1e+5\n",
    "multiplex_profiles: .5\n",
    "multiplex_profiles: -.inf\n",
    "multiplex_profiles: 2024-02-29\n",
    "multiplex_profiles: 2023-02-29\n",
    "multiplex_profiles: 2024-1-5 1:02:03.5 -7\n",
    "multiplex_profiles: 2024-01-05 24:00:00\n",
    "multiplex_profiles: !!binary AA==\n",
    "multiplex_profiles: !!binary AA=\n",
    "multiplex_profiles: !!binary A\n",
    "multiplex_profiles: !!binary 'A A\t='\n",
    "multiplex_profiles: !!int ' 12 '\n",
    "multiplex_profiles: !!int 0x\n",
    "multiplex_profiles: !!float ' 0 '\n",
    "multiplex_profiles: !!float nan\n",
    "multiplex_profiles: !!float 0x1p3\n",
    "multiplex_profiles: !!bool yes\n",
    "multiplex_profiles: !!bool 1\n",
    "multiplex_profiles: !!null yes\n",
    "multiplex_profiles: !!timestamp 2020-01-01\n",
    "multiplex_profiles: !!timestamp x\n",
    "multiplex_profiles: ! yes\n",
    "multiplex_profiles: ! 'yes'\n",
    "multiplex_profiles: !!set {a}\n",
    "multiplex_profiles: !!omap [a: 1]\n",
    "multiplex_profiles: !!omap [a]\n",
    "multiplex_profiles: !!pairs []\n",
    "multiplex_profiles: !foo x\n",
    "gateway: !!set {multiplex_profiles: true}\n",
    "gateway: !!omap [multiplex_profiles: true]\n",
    "b: &b {multiplex_profiles: on}\ngateway: {<<: *b}\n",
    "b: &b {multiplex_profiles: on}\ngateway: {<<: !!omap *b}\n",
    "<<: [{multiplex_profiles: 1}, {multiplex_profiles: 0}]\n",
    "<<: {multiplex_profiles: 0}\n<<: {multiplex_profiles: 1}\n",
    "<<: !!seq {multiplex_profiles: yes}\n",
    "<<: []\nmultiplex_profiles: on\n",
    "=: 1\nmultiplex_profiles: on\n",
    "multiplex_profiles: =\n",
    "multiplex_profiles: <<\n",
    "multiplex_profiles:\ttrue\n",
    "multiplex_profiles: 'a\tb'\n",
    "multiplex_profiles: true # a\tcomment\n",
    "multiplex_profiles: |\n  a\tb\n",
    "x: [http://host/?a=b]\nmultiplex_profiles: true\n",
    "x: http://host/?a=b\nmultiplex_profiles: true\n",
    "\ufeffmultiplex_profiles: true\n",
    "multiplex_profiles: true\r\n",
    "multiplex_profiles: true\n...\n",
    "%YAML 1.1\n---\nmultiplex_profiles: true\n",
    "--- 0\n",
    "--- []\n",
    "--- [x]\n",
    "--- 'x'\n",
    "",
]
KNOWN_DIFFERENT = [
    "&m {<<: *m, multiplex_profiles: true}\n",
    "x: [?]\nmultiplex_profiles: true\n",
    "x: {a:, b: 1}\nmultiplex_profiles: true\n",
]

SCALARS = [
    "true", "false", "yes", "no", "on", "off", "True", "OFF", "y", "n", "1", "0", "00", "0.0",
    "-0", "1e5", "1.5e+5", "0.0e-9", ".inf", "-.inf", ".nan", "0x0", "0x1F", "0b0", "0b101",
    "017", "08", "1_000", "1:30", "0:0.0", "~", "null", "Null", "", "=", "<<", "2024-02-29",
    "2023-02-29", "2024-1-5 1:02:03", "2024-01-05T10:00:00Z", "2024-01-05 10:00:00 +25:00",
    '"true"', "' yes '", '"1"', '"0"', '"maybe"', '"\\ttrue\\n"', "!!str yes", "!!int 0",
    "!!int 12", "!!int x", "!!float 0", "!!bool on", "!!bool 1", "!!null x", "!!binary AA==",
    "!!timestamp 2020-01-01", "!foo bar", "! yes", '"<<"', "abc", "multiplex_profiles",
    "gateway",
]
KEYS = ["multiplex_profiles", "gateway", "<<", "a", "b", '"gateway"', '"multiplex_profiles"',
        "=", "1", "true", "~"]
COLLECTION_TAGS = ["!!map ", "!!set ", "!!seq ", "!!omap ", "! "]


class Generator:
    """Random documents of anchors, aliases, merges, tags and PyYAML's tricky scalars."""

    def __init__(self, rng):
        self.rng = rng
        self.anchors = []
        self.n = 0

    def anchor(self):
        if self.rng.random() < 0.2:
            self.n += 1
            return "a%d" % self.n
        return None

    def node(self, depth):
        r = self.rng.random()
        if self.anchors and r < 0.12:
            return "*" + self.rng.choice(self.anchors)
        name = self.anchor()
        if depth > 3 or r < 0.45:
            text = self.rng.choice(SCALARS)
            if name:
                self.anchors.append(name)
                return "&%s %s" % (name, text)
            return text
        prefix = "&%s " % name if name else ""
        if self.rng.random() < 0.1:
            prefix += self.rng.choice(COLLECTION_TAGS)
        if r < 0.7:
            pairs = ["%s: %s" % (self.rng.choice(KEYS), self.node(depth + 1))
                     for _ in range(self.rng.randint(0, 3))]
            text = prefix + "{" + ", ".join(pairs) + "}"
        else:
            text = prefix + "[" + ", ".join(self.node(depth + 1)
                                            for _ in range(self.rng.randint(0, 3))) + "]"
        if name:
            self.anchors.append(name)
        return text

    def block(self, indent=0):
        lines = []
        pad = " " * indent
        for _ in range(self.rng.randint(1, 4)):
            key = self.rng.choice(KEYS)
            r = self.rng.random()
            if r < 0.3 and indent < 6:
                lines.append("%s%s:" % (pad, key))
                lines += self.block(indent + 2)
            elif r < 0.45 and indent < 6:
                lines.append("%s%s:" % (pad, key))
                lines += ["%s  - %s" % (pad, self.node(3))
                          for _ in range(self.rng.randint(0, 3))]
            else:
                lines.append("%s%s: %s" % (pad, key, self.node(2)))
        return lines


def generated(count, seed=20260):
    rng = random.Random(seed)
    for _ in range(count):
        yield ("\n".join(Generator(rng).block()) + "\n").encode()


def main():
    checks = [("curated", [c.encode() for c in CURATED]),
              ("generated", list(generated(3000)))]
    print("1..%d" % (len(checks) + 1))
    failed = 0
    for number, (name, docs) in enumerate(checks, 1):
        diffs = [(d, upstream(d), ours(d)) for d in docs]
        diffs = [x for x in diffs if x[1] != x[2]]
        for doc, theirs, mine in diffs[:10]:
            print("# %r: upstream %s, hermes-svc %s" % (doc, theirs, mine))
        status = "ok" if not diffs else "not ok"
        failed += bool(diffs)
        print("%s %d - %s: %d documents, %d differ" % (status, number, name, len(docs),
                                                      len(diffs)))
    # the known differences stay known: if one goes away, this list must shrink
    same = [d for d in KNOWN_DIFFERENT if upstream(d.encode()) == ours(d.encode())]
    for doc in same:
        print("# %r no longer differs" % doc)
    failed += bool(same)
    print("%s %d - known differences" % ("not ok" if same else "ok", len(checks) + 1))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
