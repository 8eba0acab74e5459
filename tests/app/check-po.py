#!/usr/bin/python3
"""Checks the translations:
 - every source file with user-visible strings (_(), N_(), C_(), ngettext,
   translatable="yes", and the .desktop.in / .metainfo.xml.in files) is
   listed in po/POTFILES, and every listed file exists;
 - each language of po/LINGUAS is complete: xgettext over POTFILES (as
   meson's glib preset runs it) finds no message that the .po file lacks,
   leaves untranslated, or marks fuzzy;
 - the .po files compile with msgfmt --check (format strings match).

usage: check-po.py SOURCE_ROOT [DESKTOP_FILE METAINFO_FILE]
With the built desktop and metainfo files, also checks that every language
was merged into them.
"""
import os
import re
import subprocess
import sys
import tempfile

root = sys.argv[1]
po_dir = os.path.join(root, "po")
failures = []


def fail(msg):
    print("FAILED " + msg)
    failures.append(msg)


def listed(name):
    with open(os.path.join(po_dir, name), encoding="utf-8") as f:
        return [l.strip() for l in f if l.strip() and not l.lstrip().startswith("#")]


potfiles = listed("POTFILES")
for p in potfiles:
    if not os.path.isfile(os.path.join(root, p)):
        fail(f"POTFILES lists {p}, which does not exist")

# Files that need translating: scan every module's sources.
marker = re.compile(r'\b(?:_|N_|C_|NC_|g_dngettext|ngettext)\s*\(\s*"|translatable="yes"')
needed = []
for top in ("app", "config", "signaling", "camera", "webrtc", "sfu", "sessionmanager", "tools",
            "data"):
    for dirpath, _, files in os.walk(os.path.join(root, top)):
        for name in files:
            rel = os.path.relpath(os.path.join(dirpath, name), root)
            if name.endswith((".desktop.in", ".metainfo.xml.in")):
                needed.append(rel)
            elif name.endswith((".c", ".h", ".ui")):
                with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
                    if marker.search(f.read()):
                        needed.append(rel)
for rel in sorted(needed):
    if rel not in potfiles:
        fail(f"{rel} has user-visible strings but is not in po/POTFILES")

# The template as meson's glib preset makes it.
with tempfile.TemporaryDirectory() as tmp:
    pot = os.path.join(tmp, "zero.pot")
    xgettext = ["xgettext", "--package-name=zero", "-D", root, "-o", pot,
                "--from-code=UTF-8", "--add-comments", "--keyword=_", "--keyword=N_",
                "--keyword=C_:1c,2", "--keyword=NC_:1c,2", "--keyword=g_dngettext:2,3",
                "--flag=g_dngettext:2:pass-c-format", "--flag=g_strdup_printf:1:c-format",
                "--flag=g_set_error:4:c-format", "--flag=g_string_append_printf:2:c-format"]
    r = subprocess.run(xgettext + potfiles, capture_output=True, text=True)
    if r.returncode != 0:
        fail("xgettext failed: " + r.stderr)
    for lang in listed("LINGUAS"):
        po = os.path.join(po_dir, lang + ".po")
        merged = os.path.join(tmp, lang + ".po")
        r = subprocess.run(["msgmerge", "--no-fuzzy-matching", "--quiet", "-o", merged, po, pot],
                           capture_output=True, text=True)
        if r.returncode != 0:
            fail(f"msgmerge {lang}.po: {r.stderr}")
            continue
        r = subprocess.run(["msgfmt", "--check", "--statistics", "-o", os.devnull, merged],
                           capture_output=True, text=True, env=dict(os.environ, LC_ALL="C"))
        stats = r.stderr.strip()
        print(f"{lang}: {stats}")
        if r.returncode != 0:
            fail(f"msgfmt --check {lang}.po: {stats}")
        elif "untranslated" in stats or "fuzzy" in stats:
            # List what is missing, to make the fix easy.
            u = subprocess.run(["msgattrib", "--untranslated", "--no-obsolete", merged],
                               capture_output=True, text=True).stdout
            fz = subprocess.run(["msgattrib", "--only-fuzzy", "--no-obsolete", merged],
                                capture_output=True, text=True).stdout
            fail(f"{lang}.po is incomplete: {stats}\n{u}{fz}")
        r = subprocess.run(["msgfmt", "--check", "-o", os.devnull, po], capture_output=True,
                           text=True)
        if r.returncode != 0:
            fail(f"{lang}.po does not compile: {r.stderr}")

if len(sys.argv) >= 4:
    desktop, metainfo = sys.argv[2], sys.argv[3]
    desktop_text = open(desktop, encoding="utf-8").read()
    metainfo_text = open(metainfo, encoding="utf-8").read()
    for lang in listed("LINGUAS"):
        for key in ("GenericName", "Comment", "Keywords"):
            if f"\n{key}[{lang}]=" not in desktop_text:
                fail(f"{os.path.basename(desktop)} lacks {key}[{lang}]")
        n = metainfo_text.count(f'xml:lang="{lang}"')
        print(f"{lang}: {n} translated elements in the metainfo")
        if n < 8:
            fail(f"{os.path.basename(metainfo)} has only {n} elements in {lang}")

print(f"{len(failures)} failed")
sys.exit(1 if failures else 0)
