#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Has a committed patch series drifted from what the project generates?

    patch_drift.py COMMITTED-DIR GENERATED-DIR
    patch_drift.py --selftest

GENERATED-DIR is what scripts/kernel-patches.sh makes now from lib/ (patch
1) and the committed ipr patches, on the linux-source Debian serves today.
The comparison is of the change, not of the base it was made on: Debian's
archive serves only each suite's newest point release, so the lines that
depend on the base are left out:

- the "From <commit>" line and "base-commit:" (hashes of the base);
- "index" lines (blob hashes of the base's files);
- hunk headers' line numbers and function context;
- context lines (whether the patches still apply to the new base is
  checked by git am and quilt, not here);
- the cover letter's point release ("6.12.117, stable plus Debian's
  patches"): a newer release of the same series is an INFO line naming
  both, another series is drift.

Everything else, the added and removed lines, the commit messages, the
diffstats, the file names and the series file, must be equal. Prints
"INFO ..." lines and, on drift, a diff; exits 1 on drift, 2 on bad input.
"""
import difflib
import os
import re
import shutil
import sys
import tempfile

# The cover letter's template line (drivers-ipr-patch/cover-letter.txt)
# that carries @VERSION@.
VERSION_RE = re.compile(r"^(\d+)\.(\d+)(?:\.(\d+))?, stable plus Debian's patches\)",
                        re.M)


def release(text, name):
    """The point release a cover letter names, as (major, minor, sub)."""
    m = VERSION_RE.findall(text)
    if len(m) != 1:
        raise ValueError("%s: %d lines name the point release, want 1 "
                         "(\"X.Y.Z, stable plus Debian's patches)\")" % (name, len(m)))
    return tuple(int(x or 0) for x in m[0])


def normalise(text):
    """The lines of a patch that do not depend on the base it was made on."""
    out = []
    in_hunk = False
    for line in text.split('\n'):
        if re.match(r'^From [0-9a-f]{40} ', line):
            out.append('From <commit>')
            continue
        if line.startswith('base-commit: ') or line.startswith('prerequisite-patch-id: '):
            continue
        if line.startswith('diff --git '):
            in_hunk = False
            out.append(line)
            continue
        if re.match(r'^index [0-9a-f]+\.\.[0-9a-f]+', line):
            continue
        if line.startswith('@@ '):
            in_hunk = True
            out.append('@@')
            continue
        if in_hunk:
            if line.startswith(' '):
                continue
            if line.startswith('-- ') or line == '--':
                in_hunk = False
            elif not line.startswith(('+', '-', '\\')) and line != '':
                in_hunk = False
        out.append(line)
    return out


def compare(committed, generated, say=print):
    """0 when the series has not drifted, 1 when it has."""
    drift = 0
    cfiles = sorted(os.listdir(committed))
    gfiles = sorted(os.listdir(generated))
    if cfiles != gfiles:
        for f in sorted(set(cfiles) ^ set(gfiles)):
            say('only in %s: %s' % (committed if f in cfiles else generated, f))
        drift = 1
    for f in sorted(set(cfiles) & set(gfiles)):
        c = open(os.path.join(committed, f)).read()
        g = open(os.path.join(generated, f)).read()
        if f.startswith('0000-'):
            cr, gr = release(c, os.path.join(committed, f)), release(g, os.path.join(generated, f))
            if cr[:2] != gr[:2]:
                say('%s: the series was made for %d.%d, the source is %d.%d' %
                    (f, cr[0], cr[1], gr[0], gr[1]))
                drift = 1
            elif cr != gr:
                say('INFO %s names %s; Debian serves %s now (a point release of the same series:'
                    ' not drift; regenerate with make kernel-patches to record it)' %
                    (f, '.'.join(map(str, cr)), '.'.join(map(str, gr))))
            cm = VERSION_RE.search(c)
            g = VERSION_RE.sub(lambda m: cm.group(0), g)
        cn, gn = normalise(c), normalise(g)
        if cn != gn:
            drift = 1
            say('%s differs:' % f)
            for line in list(difflib.unified_diff(cn, gn, 'committed', 'generated',
                                                  lineterm='', n=1))[:20]:
                say('    ' + line)
    return drift


# --selftest: synthetic series, each of which must get the verdict named.
PATCH = """From %(sha)s Mon Sep 17 00:00:00 2001
From: A <a@example.org>
Subject: [PATCH 1/1] lib: a change

Body.
---
 lib/x.c | 1 +
 1 file changed, 1 insertion(+)

diff --git a/lib/x.c b/lib/x.c
index %(idx)s 100644
--- a/lib/x.c
+++ b/lib/x.c
@@ -%(line)d,2 +%(line)d,3 @@ %(func)s
 %(ctx)s
+%(added)s
 }
--
2.39.5

"""
COVER = """From %(sha)s Mon Sep 17 00:00:00 2001
Subject: [PATCH 0/1] a series (Linux 6.12)

The series applies to Linux 6.12 (Debian's linux-source-6.12,
%(ver)s, stable plus Debian's patches); the base-commit below names the

base-commit: %(sha)s
"""
BASE = dict(sha='1' * 40, idx='1cf22c9..16bf5d0', line=10, func='int f(void)',
            ctx='\treturn 0;', added='\tx = 1;', ver='6.12.117')


def write(d, **kw):
    v = dict(BASE, **kw)
    os.makedirs(d)
    open(os.path.join(d, '0000-cover-letter.patch'), 'w').write(COVER % v)
    open(os.path.join(d, '0001-lib-a-change.patch'), 'w').write(PATCH % v)
    open(os.path.join(d, 'series'), 'w').write('0001-lib-a-change.patch\n')
    return d


def selftest():
    cases = [
        # want, what, the generated series' differences
        (0, 'the same series', {}),
        (0, 'a newer point release: other hashes, line numbers, context, version',
         dict(sha='2' * 40, idx='abcdef0..1234567', line=12, func='int g(void)',
              ctx='\treturn 1;', ver='6.12.118')),
        (1, 'a changed added line (the library changed, patches not regenerated)',
         dict(added='\tx = 2;')),
        (1, 'a source of another series', dict(ver='6.13.1')),
        (1, 'a file missing', 'missing'),
    ]
    np = nf = 0
    for want, what, diff in cases:
        t = tempfile.mkdtemp()
        try:
            c = write(os.path.join(t, 'c'))
            if diff == 'missing':
                g = write(os.path.join(t, 'g'))
                os.remove(os.path.join(g, 'series'))
            else:
                g = write(os.path.join(t, 'g'), **diff)
            lines = []
            got = compare(c, g, lines.append)
            info = any(l.startswith('INFO ') and '6.12.117' in l and '6.12.118' in l
                       for l in lines)
            ok = got == want and (info or 'ver' not in diff or diff['ver'] != '6.12.118')
        finally:
            shutil.rmtree(t)
        if ok:
            np += 1
            print('PASS patch drift: %s: %s' % (what, 'drift' if want else 'no drift'))
        else:
            nf += 1
            print('FAIL patch drift: %s: got %s, want %s; said: %s' %
                  (what, got, want, lines))
    # bad input: a cover letter that names no point release
    t = tempfile.mkdtemp()
    try:
        c = write(os.path.join(t, 'c'))
        g = write(os.path.join(t, 'g'))
        open(os.path.join(g, '0000-cover-letter.patch'), 'w').write('no version\n')
        try:
            compare(c, g, lambda s: None)
            nf += 1
            print('FAIL patch drift: a cover letter naming no release was accepted')
        except ValueError:
            np += 1
            print('PASS patch drift: a cover letter naming no release is refused')
    finally:
        shutil.rmtree(t)
    print('patch_drift selftest: %d passed, %d failed' % (np, nf))
    return 1 if nf else 0


def main():
    if sys.argv[1:] == ['--selftest']:
        return selftest()
    if len(sys.argv) != 3 or not all(os.path.isdir(d) for d in sys.argv[1:]):
        sys.stderr.write('usage: patch_drift.py COMMITTED-DIR GENERATED-DIR | --selftest\n')
        return 2
    try:
        return compare(sys.argv[1], sys.argv[2])
    except ValueError as e:
        print('error: %s' % e)
        return 2


if __name__ == '__main__':
    sys.exit(main())
