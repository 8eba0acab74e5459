#!/usr/bin/python3
"""Checks the Flatpak manifest: well-formed JSON, the app ID, the GNOME
runtime, the sandbox holes the app needs (and none it must not have), and
the modules it builds, the last one being Zero itself with meson.

usage: check-flatpak-manifest.py MANIFEST APP_ID
Prints one line per check (TAP is not needed: the exit status is the result).
"""
import json
import sys

path, app_id = sys.argv[1], sys.argv[2]
failures = []


def check(ok, what):
    print(("ok     " if ok else "FAILED ") + what)
    if not ok:
        failures.append(what)


try:
    with open(path, encoding="utf-8") as f:
        manifest = json.load(f)
except (OSError, ValueError) as e:
    print(f"FAILED {path} is not well-formed JSON: {e}")
    sys.exit(1)

check(manifest.get("id", manifest.get("app-id")) == app_id, f"app ID is {app_id}")
check(manifest.get("runtime") == "org.gnome.Platform", "runtime is org.gnome.Platform")
check(manifest.get("sdk") == "org.gnome.Sdk", "sdk is org.gnome.Sdk")
check(bool(manifest.get("runtime-version")), "runtime-version is pinned")
check(manifest.get("command") == "zero", "command is zero")

args = manifest.get("finish-args", [])
for needed in ("--share=network", "--socket=wayland", "--socket=fallback-x11",
               "--device=dri", "--socket=pulseaudio"):
    check(needed in args, f"finish-args has {needed}")
# The camera comes through the Camera portal; the screen through ScreenCast.
check("--device=all" not in args, "no --device=all (camera through the portal)")
check(not any(a.startswith("--filesystem=") and "pipewire" in a for a in args),
      "no direct PipeWire socket (portals instead)")
check(not any(a in ("--filesystem=host", "--filesystem=home") for a in args),
      "no host or home filesystem access")

modules = manifest.get("modules", [])
names = [m.get("name") if isinstance(m, dict) else m for m in modules]
check(all(isinstance(n, str) and n for n in names), "every module has a name")
check(len(names) == len(set(names)), "module names are unique")
for dep in ("libnice", "libsrtp2", "gst-plugins-bad-webrtc", "libportal", "libyaml"):
    check(dep in names, f"builds {dep}")
for m in modules:
    if not isinstance(m, dict):
        continue
    check(bool(m.get("sources")), f"module {m.get('name')} has sources")
    for s in m.get("sources", []):
        if s.get("type") == "git":
            check(bool(s.get("url")) and bool(s.get("tag") or s.get("commit") or s.get("branch")),
                  f"module {m.get('name')}: git source pinned to a tag or commit")
last = modules[-1] if modules else {}
check(last.get("name") == "zero", "the last module is zero itself")
check(last.get("buildsystem") == "meson", "zero builds with meson")
check("-Dapp=enabled" in last.get("config-opts", []), "zero is built with -Dapp=enabled")

print(f"{len(failures)} failed")
sys.exit(1 if failures else 0)
