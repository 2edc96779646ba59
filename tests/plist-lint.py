#!/usr/bin/python3
# Copyright 2026 The hermes-svc authors
# SPDX-License-Identifier: MIT
"""Strict checker for launchd job plists, Python standard library only.

    plist-lint.py [--allow-unknown] FILE...   exit 0: every FILE is fine; 1: errors (printed)
    plist-lint.py --json FILE                 check FILE, then print it as JSON
    plist-lint.py --selftest DIR              TAP: DIR/good-*.plist pass, DIR/bad-*.plist fail
                                              with the error their `<!-- expect: ... -->` names

Two layers, because neither plistlib nor plistutil is a validator (plistutil
accepts truncated XML and unknown tags; plistlib ignores unknown elements,
keeps the last of two equal keys and reads hex integers):

1. the XML itself against Apple's PropertyList-1.0 DTD, checked by hand on
   expat events: the XML declaration, the plist DOCTYPE, <plist version="1.0">
   with exactly one value, dicts that alternate <key> and value with no key
   twice, text only where the DTD allows it, decimal integers, ISO dates,
   base64 data, nothing else. plistlib must then read the same document.
   Binary plists (bplist00) go through plistlib only.
2. the launchd.plist(5) keys: known names only (a typo such as KeepAlvie is
   an error unless --allow-unknown), the type of each, required Label and
   Program/ProgramArguments, absolute paths where launchd needs them,
   environment variable names, the KeepAlive dictionary, the enumerations.
"""

import base64
import datetime
import json
import os
import plistlib
import re
import sys
import xml.parsers.expat

APPLE_PUBID = "-//Apple//DTD PLIST 1.0//EN"
APPLE_SYSID = "http://www.apple.com/DTDs/PropertyList-1.0.dtd"
XML_DECL = re.compile(rb'^<\?xml version="1\.0" encoding="UTF-8"( standalone="(yes|no)")?\?>')
INTEGER = re.compile(r"^-?[0-9]+$")
REAL = re.compile(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$")
DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")
BASE64 = re.compile(r"^[A-Za-z0-9+/=\s]*$")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
LEAVES = {"key", "string", "data", "date", "integer", "real"}
EMPTY = {"true", "false"}
CONTAINERS = {"dict", "array"}


class Problems:
    def __init__(self):
        self.errors = []

    def add(self, message):
        self.errors.append(message)


def check_xml(data, problems):
    """Layer 1 on the raw bytes; returns True if plistlib may read them."""
    if not XML_DECL.match(data):
        problems.add('the document must start with <?xml version="1.0" encoding="UTF-8"?>')
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        problems.add(f"not UTF-8: {e}")
        return False

    parser = xml.parsers.expat.ParserCreate()
    stack = []  # [name, children, text parts]
    state = {"doctype": None, "root_seen": False, "values_in_plist": 0}

    def where():
        return f"line {parser.CurrentLineNumber}"

    def doctype(name, sysid, pubid, has_internal):
        state["doctype"] = (name, sysid, pubid)
        if has_internal:
            problems.add(f"{where()}: an internal DTD subset is not allowed")

    def pi(target, _data):
        problems.add(f"{where()}: processing instruction <?{target}?> is not allowed")

    def start(name, attrs):
        if not stack:
            if state["root_seen"]:
                problems.add(f"{where()}: a second root element <{name}>")
            state["root_seen"] = True
            if name != "plist":
                problems.add(f"{where()}: the root element is <{name}>, not <plist>")
            elif attrs != {"version": "1.0"}:
                problems.add(f'{where()}: <plist> must have exactly version="1.0", got {attrs}')
        else:
            parent = stack[-1]
            if parent[0] in LEAVES or parent[0] in EMPTY:
                problems.add(f"{where()}: <{name}> inside <{parent[0]}>")
            if attrs:
                problems.add(f"{where()}: attributes on <{name}>")
            if name == "plist":
                problems.add(f"{where()}: a nested <plist>")
            elif name not in LEAVES | EMPTY | CONTAINERS:
                problems.add(f"{where()}: <{name}> is not a plist element")
            if parent[0] == "plist" and name != "plist":
                state["values_in_plist"] += 1
                if state["values_in_plist"] > 1:
                    problems.add(f"{where()}: <plist> holds more than one value")
            if parent[0] == "dict":
                expect_key = len(parent[1]) % 2 == 0
                if expect_key and name != "key":
                    problems.add(f"{where()}: <{name}> where <dict> needs a <key>")
                if not expect_key and name == "key":
                    problems.add(f"{where()}: two <key>s in a row in a <dict>")
            elif name == "key":
                problems.add(f"{where()}: <key> outside a <dict>")
            parent[1].append(name)
        stack.append([name, [], []])

    def end(name):
        node = stack.pop()
        text = "".join(node[2])
        if name in LEAVES:
            if name == "integer":
                if not INTEGER.match(text):
                    problems.add(f"{where()}: <integer>{text}</integer> is not a decimal integer")
                elif not -(2**63) <= int(text) < 2**64:
                    problems.add(f"{where()}: <integer>{text}</integer> is out of range")
            elif name == "real" and not REAL.match(text):
                problems.add(f"{where()}: <real>{text}</real> is not a number")
            elif name == "date" and not DATE.match(text):
                problems.add(f"{where()}: <date>{text}</date> is not YYYY-MM-DDTHH:MM:SSZ")
            elif name == "data" and not BASE64.match(text):
                problems.add(f"{where()}: <data> is not base64")
            elif name == "key" and stack and stack[-1][0] == "dict":
                keys = stack[-1][2]
                if text in keys:
                    problems.add(f"{where()}: the key {text!r} appears twice in one <dict>")
                keys.append(text)
        elif name in EMPTY:
            if text:
                problems.add(f"{where()}: <{name}/> must be empty")
        elif name == "dict" and len(node[1]) % 2 == 1:
            problems.add(f"{where()}: the last <key> of a <dict> has no value")
        elif name == "plist" and state["values_in_plist"] == 0:
            problems.add(f"{where()}: an empty <plist>")

    def chars(text):
        if not stack:
            return
        node = stack[-1]
        if node[0] in LEAVES:
            node[2].append(text)
        elif node[0] in EMPTY:
            node[2].append(text)
        elif text.strip():
            problems.add(f"{where()}: text {text.strip()!r} inside <{node[0]}>")

    parser.StartDoctypeDeclHandler = doctype
    parser.ProcessingInstructionHandler = pi
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    # dict keys are collected in the text slot of the dict node: keep them apart from text
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError as e:
        problems.add(f"not well-formed XML: {e}")
        return False
    if state["doctype"] != ("plist", APPLE_SYSID, APPLE_PUBID):
        problems.add(f"the DOCTYPE must be plist PUBLIC {APPLE_PUBID!r} {APPLE_SYSID!r}, "
                     f"got {state['doctype']}")
    return True


# launchd.plist(5): key -> type (or a tuple of types)
SCHEMA = {
    "Label": str, "Disabled": bool, "UserName": str, "GroupName": str,
    "inetdCompatibility": dict, "LimitLoadToHosts": list, "LimitLoadFromHosts": list,
    "LimitLoadToSessionType": (str, list), "LimitLoadToHardware": dict,
    "LimitLoadFromHardware": dict, "Program": str, "ProgramArguments": list,
    "EnableGlobbing": bool, "EnableTransactions": bool, "EnablePressuredExit": bool,
    "OnDemand": bool, "ServiceIPC": bool, "KeepAlive": (bool, dict), "RunAtLoad": bool,
    "RootDirectory": str, "WorkingDirectory": str, "EnvironmentVariables": dict,
    "Umask": (int, str), "TimeOut": int, "ExitTimeOut": int, "ThrottleInterval": int,
    "InitGroups": bool, "WatchPaths": list, "QueueDirectories": list, "StartOnMount": bool,
    "StartInterval": int, "StartCalendarInterval": (dict, list), "StandardInPath": str,
    "StandardOutPath": str, "StandardErrorPath": str, "Debug": bool, "WaitForDebugger": bool,
    "SoftResourceLimits": dict, "HardResourceLimits": dict, "Nice": int, "ProcessType": str,
    "AbandonProcessGroup": bool, "LowPriorityIO": bool, "LowPriorityBackgroundIO": bool,
    "MaterializeDatalessFiles": bool, "LaunchOnlyOnce": bool, "MachServices": dict,
    "Sockets": dict, "LaunchEvents": dict, "SessionCreate": bool, "LegacyTimers": bool,
    "AssociatedBundleIdentifiers": (str, list),
}
KEEPALIVE = {"SuccessfulExit": bool, "Crashed": bool, "NetworkState": bool, "PathState": dict,
             "OtherJobEnabled": dict, "AfterInitialDemand": dict}
RESOURCE_LIMITS = {"Core", "CPU", "Data", "FileSize", "MemoryLock", "NumberOfFiles",
                   "NumberOfProcesses", "ResidentSetSize", "Stack"}
PROCESS_TYPES = {"Background", "Standard", "Adaptive", "Interactive"}
SESSION_TYPES = {"Aqua", "Background", "LoginWindow", "StandardIO", "System"}
ABSOLUTE_PATHS = ("Program", "RootDirectory", "WorkingDirectory", "StandardInPath",
                  "StandardOutPath", "StandardErrorPath")
NON_NEGATIVE = ("TimeOut", "ExitTimeOut", "ThrottleInterval", "StartInterval")
CALENDAR = {"Minute": (0, 59), "Hour": (0, 23), "Day": (1, 31), "Weekday": (0, 7),
            "Month": (1, 12)}


def typename(t):
    return "|".join(x.__name__ for x in t) if isinstance(t, tuple) else t.__name__


def is_type(value, t):
    # bool is an int in Python; in a plist <true/> is never an <integer>
    types = t if isinstance(t, tuple) else (t,)
    if isinstance(value, bool):
        return bool in types
    return isinstance(value, types)


def check_bool_dict(name, value, problems):
    if not all(isinstance(k, str) and isinstance(v, bool) for k, v in value.items()):
        problems.add(f"{name}: every value must be a boolean")


def check_launchd(d, problems, allow_unknown):
    """Layer 2 on the parsed value."""
    if not isinstance(d, dict):
        problems.add("the top-level value is not a <dict>")
        return
    for key, value in d.items():
        t = SCHEMA.get(key)
        if t is None:
            if not allow_unknown:
                problems.add(f"unknown key {key!r} (not in launchd.plist(5))")
        elif not is_type(value, t):
            problems.add(f"{key}: expected {typename(t)}, got {type(value).__name__}")

    label = d.get("Label")
    if not isinstance(label, str) or not label:
        problems.add("Label (a non-empty string) is required")
    elif "/" in label or any(c.isspace() for c in label):
        problems.add(f"Label {label!r} must not contain '/' or white space")

    if "Program" not in d and "ProgramArguments" not in d:
        problems.add("one of Program and ProgramArguments is required")
    args = d.get("ProgramArguments")
    if isinstance(args, list):
        if not args or not all(isinstance(a, str) for a in args):
            problems.add("ProgramArguments must be a non-empty array of strings")
        elif "Program" not in d and not args[0].startswith("/"):
            problems.add(f"ProgramArguments[0] {args[0]!r} must be an absolute path")
    for key in ABSOLUTE_PATHS:
        value = d.get(key)
        if isinstance(value, str) and not value.startswith("/"):
            problems.add(f"{key} {value!r} must be an absolute path")
    for key in NON_NEGATIVE:
        value = d.get(key)
        if is_type(value, int) and value < 0:
            problems.add(f"{key} must not be negative")
    nice = d.get("Nice")
    if is_type(nice, int) and not -20 <= nice <= 20:
        problems.add("Nice must be between -20 and 20")
    umask = d.get("Umask")
    if is_type(umask, int) and not 0 <= umask <= 0o777:
        problems.add("Umask must be between 0 and 0777")
    if isinstance(umask, str) and not re.match(r"^0?[0-7]{1,3}$", umask):
        problems.add(f"Umask {umask!r} is not an octal mode")

    env = d.get("EnvironmentVariables")
    if isinstance(env, dict):
        for name, value in env.items():
            if not ENV_NAME.match(name):
                problems.add(f"EnvironmentVariables: {name!r} is not a variable name")
            if not isinstance(value, str):
                problems.add(f"EnvironmentVariables.{name}: expected str, "
                             f"got {type(value).__name__}")

    keepalive = d.get("KeepAlive")
    if isinstance(keepalive, dict):
        if not keepalive:
            problems.add("KeepAlive: an empty dictionary means nothing; use <true/> or <false/>")
        for key, value in keepalive.items():
            t = KEEPALIVE.get(key)
            if t is None:
                problems.add(f"KeepAlive: unknown key {key!r}")
            elif not is_type(value, t):
                problems.add(f"KeepAlive.{key}: expected {typename(t)}, "
                             f"got {type(value).__name__}")
            elif isinstance(value, dict):
                check_bool_dict(f"KeepAlive.{key}", value, problems)

    ptype = d.get("ProcessType")
    if isinstance(ptype, str) and ptype not in PROCESS_TYPES:
        problems.add(f"ProcessType {ptype!r} is not one of {sorted(PROCESS_TYPES)}")
    sessions = d.get("LimitLoadToSessionType")
    for s in [sessions] if isinstance(sessions, str) else sessions or []:
        if s not in SESSION_TYPES:
            problems.add(f"LimitLoadToSessionType {s!r} is not one of {sorted(SESSION_TYPES)}")

    for key in ("SoftResourceLimits", "HardResourceLimits"):
        limits = d.get(key)
        if isinstance(limits, dict):
            for name, value in limits.items():
                if name not in RESOURCE_LIMITS:
                    problems.add(f"{key}: unknown limit {name!r}")
                elif not is_type(value, int) or value < 0:
                    problems.add(f"{key}.{name} must be a non-negative integer")
    for key in ("UserName", "GroupName"):
        if d.get(key) == "":
            problems.add(f"{key} must not be empty")
    for key in ("WatchPaths", "QueueDirectories", "LimitLoadToHosts", "LimitLoadFromHosts"):
        value = d.get(key)
        if isinstance(value, list) and not all(isinstance(v, str) for v in value):
            problems.add(f"{key} must be an array of strings")
    inetd = d.get("inetdCompatibility")
    if isinstance(inetd, dict) and set(inetd) - {"Wait"}:
        problems.add("inetdCompatibility knows only Wait")
    calendar = d.get("StartCalendarInterval")
    for entry in [calendar] if isinstance(calendar, dict) else calendar or []:
        if not isinstance(entry, dict):
            problems.add("StartCalendarInterval entries must be dictionaries")
            continue
        for name, value in entry.items():
            if name not in CALENDAR:
                problems.add(f"StartCalendarInterval: unknown key {name!r}")
            elif not is_type(value, int) or not CALENDAR[name][0] <= value <= CALENDAR[name][1]:
                problems.add(f"StartCalendarInterval.{name} is out of range")
    services = d.get("MachServices")
    if isinstance(services, dict):
        for name, value in services.items():
            if not is_type(value, (bool, dict)):
                problems.add(f"MachServices.{name} must be a boolean or a dictionary")


def check_bytes(data, allow_unknown=False):
    """Returns (errors, parsed value or None)."""
    problems = Problems()
    if data.startswith(b"bplist00"):
        try:
            value = plistlib.loads(data, fmt=plistlib.FMT_BINARY)
        except Exception as e:
            return [f"binary plist: {type(e).__name__}: {e}"], None
    else:
        if not check_xml(data, problems):
            return problems.errors, None
        try:
            value = plistlib.loads(data, fmt=plistlib.FMT_XML)
        except Exception as e:
            problems.add(f"plistlib: {type(e).__name__}: {e}")
            return problems.errors, None
    check_launchd(value, problems, allow_unknown)
    return problems.errors, value


def to_json(value):
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return value


def selftest(directory):
    names = sorted(n for n in os.listdir(directory)
                   if n.endswith(".plist") and n.startswith(("good-", "bad-")))
    cases = []
    for name in names:
        with open(os.path.join(directory, name), "rb") as f:
            data = f.read()
        cases.append((name, data))
        if name.startswith("good-"):
            # the same document as a binary plist must pass too, and a cut one must not
            binary = plistlib.dumps(plistlib.loads(data), fmt=plistlib.FMT_BINARY)
            cases.append((name + " (binary)", binary))
            cases.append((name + " (binary, truncated)", binary[: len(binary) // 2]))
    print(f"1..{len(cases)}")
    failed = 0
    for i, (name, data) in enumerate(cases, 1):
        errors, _ = check_bytes(data)
        if name.startswith("good-") and "truncated" not in name:
            ok = not errors
            why = "; ".join(errors)
        elif name.startswith("good-"):
            ok = bool(errors)
            why = "a truncated binary plist passed"
        else:
            m = re.search(rb"<!-- expect: (.*?) -->", data)
            if m is None:
                ok, why = False, "no <!-- expect: ... --> comment"
            else:
                expected = m.group(1).decode()
                ok = any(expected in e for e in errors)
                why = f"expected an error containing {expected!r}, got {errors}"
        print(f"{'ok' if ok else 'not ok'} {i} {name}")
        if not ok:
            failed += 1
            print(f"# {why}")
    return 1 if failed or not cases else 0


def main(argv):
    allow_unknown = False
    dump = False
    args = argv[1:]
    if args[:1] == ["--selftest"] and len(args) == 2:
        return selftest(args[1])
    while args and args[0].startswith("--"):
        opt = args.pop(0)
        if opt == "--allow-unknown":
            allow_unknown = True
        elif opt == "--json":
            dump = True
        else:
            print(f"plist-lint.py: unknown option {opt}", file=sys.stderr)
            return 2
    if not args or (dump and len(args) != 1):
        print(__doc__, file=sys.stderr)
        return 2
    rc = 0
    for path in args:
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            print(f"{path}: error: {e}")
            rc = 1
            continue
        errors, value = check_bytes(data, allow_unknown)
        for e in errors:
            print(f"{path}: error: {e}")
        if errors:
            rc = 1
        elif dump:
            json.dump(to_json(value), sys.stdout, indent=1, sort_keys=True)
            print()
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv))
