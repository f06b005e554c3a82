#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make mutate: does each mutant of lib/ fail a test?

Usage: mutate.py TOP WORKDIR JUDGE_BUILD   (scripts/mutate.sh)
       mutate.py --selftest

The mutants: every one tests/mutagen.py generates from lib/*.c today, and
the named ones of tests/mutants.txt. Each is judged in stages, the first
that fails it kills it:

 0. build: msix_resync.ko out of tree with the one change. A mutant that
    does not compile is NOT JUDGED; one whose object code (debug info
    stripped) is the original's is EQUIVALENT (same object code).
 1. KUnit by insmod: the mutant's msix_resync.ko and the unchanged
    msix_resync_test.ko (model and device suites) loaded into a running
    judge guest (KASAN, lockdep, ...), one mutant after another; the
    unmutated library runs first in every boot as the positive control.
    A failed or skipped case, a suite short of cases, an alarming guest
    log line or a tainted kernel kills; a guest that stops or hangs kills
    the mutant it was running, and a fresh guest goes on.
 2. kmemleak: the survivors again, each followed by two kmemleak scans.
 3. the slow layers, for what survives: e2e on 6.12 (4 vCPUs; it checks
    log lines and trace events) and the library's built-in KUnit suites
    on 6.1 (with the owner suite).
 4. tests/mutants-equivalent.txt: a mutant that survives all of them and
    is listed there with its reason is EQUIVALENT; else SURVIVED.

Prints one line per mutant, "mutants: K killed, E equivalent, N not
judged, S survived", and lib/'s line and branch coverage under the
KUnit suites (the unmutated library built with gcov) with every line not
covered and its reason (tests/coverage-reasons.txt). Exit 1 if a mutant
survived, the control failed, or an uncovered line has no reason.
"""

import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kunit_results import MIN_CASES, bad_lines, kmemleak_report, leaves  # noqa: E402
import mutagen  # noqa: E402

SUITES = ('msix_resync_model', 'msix_resync_device')
TAINT_OK = (1 << 12) | (1 << 18)	# O (out-of-tree module), N (KUnit test loaded)
HANG = 420			# seconds without a mutant's end: it hangs


def load_named(top):
    out = []
    with open(os.path.join(top, 'tests/mutants.txt')) as f:
        for line in f:
            if not line.strip() or line.startswith('#'):
                continue
            path, nth, old, new, what = [x.strip() for x in line.split(' :: ')]
            with open(os.path.join(top, path)) as g:
                lines = g.read().split('\n')
            i = mutagen.nth_line(lines, old, int(nth))
            if i is None:
                raise ValueError('tests/mutants.txt: %s: no occurrence %s of line %r'
                                 % (path, nth, old))
            indent = lines[i][:len(lines[i]) - len(lines[i].lstrip())]
            out.append(mutagen.Mutant(path, i + 1, i + 1, 'named', [indent + new], what))
    return out


def load_equivalent(top):
    """tests/mutants-equivalent.txt: file :: which occurrence of the line
    :: the line, stripped :: what (mutagen's description, or * for every
    mutant of the line) :: why it is equivalent, or "not judged: why"
    for a line no guest here can reach (decided before stage 0 builds
    it). Keyed (file, line number, what); an entry whose
    line is not in the file is an error."""
    out = {}
    with open(os.path.join(top, 'tests/mutants-equivalent.txt')) as f:
        for line in f:
            if not line.strip() or line.startswith('#'):
                continue
            path, nth, src, what, why = [x.strip() for x in line.split(' :: ')]
            with open(os.path.join(top, path)) as g:
                i = mutagen.nth_line(g.read().split('\n'), src, int(nth))
            if i is None:
                raise ValueError('tests/mutants-equivalent.txt: %s: no occurrence %s of line %r'
                                 % (path, nth, src))
            out[(path, i + 1, what)] = why
    return out


def listed(equiv, m):
    """Why tests/mutants-equivalent.txt lists mutant @m ('' if it does not);
    the mutant '*' stands for every mutant of its line."""
    return equiv.get((m.path, m.first, m.what)) or equiv.get((m.path, m.first, '*'), '')


def sh(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


class Builder:
    """Builds msix_resync.ko out of tree against the judge kernel."""

    def __init__(self, top, work, build):
        self.top, self.work, self.build = top, work, build
        self.oot = os.path.join(work, 'oot')
        self.env = dict(os.environ, CCACHE_DIR=os.path.join(
            os.environ.get('MSIX_RESYNC_CACHE', os.path.expanduser('~/.cache/msix-resync')),
            'ccache'))

    def sync(self, oot=None):
        oot = oot or self.oot
        os.makedirs(oot, exist_ok=True)
        for d in ('include', 'lib', 'kunit'):
            shutil.rmtree(os.path.join(oot, d), ignore_errors=True)
            shutil.copytree(os.path.join(self.top, d), os.path.join(oot, d))
        for f in ('Kbuild', 'VERSION'):
            shutil.copy(os.path.join(self.top, f), oot)

    def mutate(self, m):
        """lib/ in the build directory as in TOP with (only) mutant m
        applied; a file is written only when it changes, so that only what
        changed is compiled again."""
        for path in mutagen.FILES:
            with open(os.path.join(self.top, path)) as f:
                want = f.read()
            if m is not None and m.path == path:
                want = m.applied(want)
            dst = os.path.join(self.oot, path)
            with open(dst) as f:
                if f.read() == want:
                    continue
            with open(dst, 'w') as f:
                f.write(want)

    def make(self, oot=None, extra=()):
        oot = oot or self.oot
        return sh(['make', '-C', self.build, 'M=' + oot, 'CC=ccache gcc',
                   'CONFIG_MSIX_RESYNC=m', 'CONFIG_MSIX_RESYNC_KUNIT_TEST=m',
                   'MSIXR_STRESS_CYCLES=20', 'modules'] + list(extra), env=self.env)

    def signature(self):
        h = hashlib.sha256()
        for o in ('lib/api.o', 'lib/core.o'):
            tmp = os.path.join(self.work, 'sig.o')
            p = sh(['objcopy', '--strip-debug', os.path.join(self.oot, o), tmp])
            if p.returncode:
                return None
            with open(tmp, 'rb') as f:
                h.update(f.read())
        return h.hexdigest()

    def keep(self, name):
        d = os.path.join(self.work, 'ko', name)
        os.makedirs(d, exist_ok=True)
        sh(['strip', '--strip-debug', '-o', os.path.join(d, 'msix_resync.ko'),
            os.path.join(self.oot, 'msix_resync.ko')])


INIT = r'''#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t debugfs none /sys/kernel/debug
[ -e /filter ] && cat /filter > /sys/module/kunit/parameters/filter_glob
echo "GUEST-UP filter=$(cat /sys/module/kunit/parameters/filter_glob)"
for id in $(cat /ids); do
	echo "MUT-BEGIN $id"
	[ -e /leak ] && echo clear > /sys/kernel/debug/kmemleak
	if insmod /ko/$id/msix_resync.ko; then
		insmod /msix_resync_test.ko || echo "MUT-TEST-INSMOD-FAILED $id"
		rmmod msix_resync_test || echo "MUT-RMMOD-FAILED $id"
		if [ -e /gcov ]; then
			for f in $(find /sys/kernel/debug/gcov -name '*.gcda'); do
				echo "GCDA-BEGIN $f"
				base64 "$f"
				echo "GCDA-END"
			done
		fi
		rmmod msix_resync || echo "MUT-RMMOD-FAILED $id"
	else
		echo "MUT-INSMOD-FAILED $id"
	fi
	if [ -e /leak ]; then
		sleep 6
		echo scan > /sys/kernel/debug/kmemleak
		echo scan > /sys/kernel/debug/kmemleak
		echo "KMEMLEAK-BEGIN"
		sed 's/^/kmemleak-report: /' /sys/kernel/debug/kmemleak && echo "KMEMLEAK-END"
	fi
	t=$(cat /proc/sys/kernel/tainted)
	echo "MUT-END $id taint=$t"
	if [ $(( t & ~TAINT_OK )) -ne 0 ] || grep -q '^msix_resync' /proc/modules; then
		echo "GUEST-DIRTY"
		poweroff -f
	fi
done
echo "GUEST-DONE"
poweroff -f
'''.replace('TAINT_OK', str(TAINT_OK))


class Guest:
    def __init__(self, top, work, build):
        self.top, self.work, self.build = top, work, build
        self.boots = 0

    def run(self, ids, leak=False, gcov=False, suites=SUITES):
        """Boot the judge with these mutants (ko/<id>/); returns the console
        text and whether the guest hung (killed for it)."""
        self.boots += 1
        stage = os.path.join(self.work, 'initramfs')
        shutil.rmtree(stage, ignore_errors=True)
        for d in ('bin', 'dev', 'proc', 'sys', 'ko'):
            os.makedirs(os.path.join(stage, d))
        shutil.copy('/bin/busybox', os.path.join(stage, 'bin/busybox'))
        for i in ids:
            shutil.copytree(os.path.join(self.work, 'ko', i), os.path.join(stage, 'ko', i))
        shutil.copy(os.path.join(self.work, 'msix_resync_test.ko'), stage)
        with open(os.path.join(stage, 'ids'), 'w') as f:
            f.write('\n'.join(ids) + '\n')
        with open(os.path.join(stage, 'init'), 'w') as f:
            f.write(INIT)
        os.chmod(os.path.join(stage, 'init'), 0o755)
        for flag, on in (('leak', leak), ('gcov', gcov)):
            if on:
                open(os.path.join(stage, flag), 'w').close()
        if suites != SUITES:
            with open(os.path.join(stage, 'filter'), 'w') as f:
                f.write(','.join(suites) if len(suites) == 1 else '*')
        initrd = os.path.join(self.work, 'initrd.gz')
        subprocess.run('cd %s && find . | cpio -o -H newc --quiet | gzip -1 > %s'
                       % (stage, initrd), shell=True, check=True)
        log = os.path.join(self.work, 'console-%d.log' % self.boots)
        if os.path.exists(log):
            os.unlink(log)
        q = subprocess.Popen(
            ['qemu-system-x86_64', '-accel', 'tcg,thread=single', '-M', 'q35', '-smp', '4',
             '-m', '1024', '-nodefaults', '-bios', 'qboot.rom', '-display', 'none',
             '-no-reboot', '-serial', 'file:' + log,
             '-kernel', os.path.join(self.build, 'arch/x86/boot/bzImage'),
             '-initrd', initrd, '-append', 'console=ttyS0 panic=-1 kmemleak=on printk.time=1',
             '-device', 'pcie-root-port,id=rp1,chassis=1,slot=1', '-device', 'e1000e,bus=rp1'],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        last, size, hung = time.time(), -1, False
        while q.poll() is None:
            time.sleep(2)
            try:
                text = open(log, errors='replace').read()
            except OSError:
                text = ''
            ends = text.count('MUT-END') + text.count('GUEST-UP')
            if ends != size:
                size, last = ends, time.time()
            elif time.time() - last > HANG:
                q.kill()
                q.wait()
                hung = True
        return open(log, errors='replace').read(), hung


def blocks(text):
    """{id: (block text, ended)} for each mutant the guest began."""
    out = {}
    # printk.time=1: the kernel's lines carry "[   12.345678] "
    text = re.sub(r'^\[ *\d+\.\d+\] ', '', text, flags=re.M)
    parts = re.split(r'^.*MUT-BEGIN (\S+)\s*$', text, flags=re.M)
    for i in range(1, len(parts), 2):
        body = parts[i + 1]
        ended = re.search(r'MUT-END %s ' % re.escape(parts[i]), body) is not None
        out[parts[i]] = (body.split('MUT-END', 1)[0], ended)
    return out


def judge_block(body, ended, leak=False, suites=SUITES):
    """None if the suites passed, else why the mutant is killed."""
    bad = bad_lines(body.splitlines())
    if bad:
        return 'guest log: ' + bad[0].strip()[:120]
    if not ended:
        return 'the guest stopped or hung in it'
    if 'MUT-INSMOD-FAILED' in body:
        return 'NOT JUDGED: msix_resync.ko did not load'
    if 'MUT-TEST-INSMOD-FAILED' in body or 'MUT-RMMOD-FAILED' in body:
        return 'the test module failed to load or unload'
    m = re.search(r'^\s*not ok \d+ (.*)$', body, re.M)
    if m:
        return 'kunit: not ok ' + m.group(1).strip()[:120]
    skips = re.findall(r'^\s*ok \d+ (\S+).*# SKIP', body, re.M)
    if skips:
        return 'kunit: skipped ' + skips[0]
    for s in suites:
        m = re.search(r'# %s: pass:(\d+) fail:(\d+) skip:(\d+) total:(\d+)' % s, body)
        if not m:
            return 'kunit: suite %s did not finish' % s
    oks = re.findall(r'^\s*ok \d+ (\S+)', body, re.M)
    want = sum(MIN_CASES[s] for s in suites) + len(suites)
    if len(oks) < want:
        return 'kunit: %d ok lines, %d expected' % (len(oks), want)
    if leak:
        rep = kmemleak_report(body)
        if rep is None:
            return 'kmemleak: no report'
        if rep:
            return 'kmemleak: ' + rep[0][:120]
    return None


def run_stage(guest, ids, leak=False, suites=SUITES):
    """Judge ids in as many guests as it takes: {id: verdict or None}."""
    res = {}
    todo = list(ids)
    while todo:
        text, hung = guest.run(['orig'] + todo, leak=leak, suites=suites)
        got = blocks(text)
        if 'orig' not in got:
            raise SystemExit('mutate: the judge guest did not start (%s)' % text[-400:])
        if suites != SUITES and 'filter=' + suites[0] not in text:
            raise SystemExit('mutate: the judge guest did not take the filter %s' % suites[0])
        ctl = judge_block(*got['orig'], leak=leak, suites=suites)
        if ctl:
            raise SystemExit('mutate: the unmutated library fails in the judge: %s' % ctl)
        progressed = False
        for i in todo:
            if i not in got:
                break
            body, ended = got[i]
            res[i] = judge_block(body, ended, leak=leak, suites=suites)
            if not ended and hung:
                res[i] = 'hang: no result in %d s' % HANG
            progressed = True
            if not ended or 'GUEST-DIRTY' in text.split('MUT-END ' + i, 1)[-1][:200]:
                break
        todo = [i for i in todo if i not in res]
        if todo and not progressed:
            raise SystemExit('mutate: the judge guest made no progress on %s' % todo[0])
        print('  judge guest %d: %d judged, %d to go' % (guest.boots, len(res), len(todo)),
              flush=True)
    return res


def run_e2e(tree, out, run):
    env = dict(os.environ, E2E_RUNS=run, OUT=out)
    p = sh(['bash', os.path.join(tree, 'scripts/check.sh'), 'e2e'], env=env)
    for line in p.stdout.splitlines():
        if line.startswith('FAIL '):
            return 'e2e ' + line[5:].strip()
    return None if p.returncode == 0 else 'NOT JUDGED: e2e %s exited %d' % (run, p.returncode)


def run_kunit(tree, out):
    env = dict(os.environ, OUT=out, KUNIT_FILTER='msix_resync_*', KUNIT_LABEL='mutant')
    path = os.path.join(out, 'kunit-mutant.json')
    if os.path.exists(path):
        os.unlink(path)
    sh(['bash', os.path.join(tree, 'scripts/kunit.sh'), '6.1'], env=env)
    try:
        with open(path) as f:
            root = json.load(f)
    except (OSError, ValueError):
        return 'NOT JUDGED: built-in kunit: no results (the kernel did not build or boot)'
    cases = list(leaves(root, dotted=True))
    bad = [n for n, st in cases if st not in ('PASS',)]
    want = sum(v for k, v in MIN_CASES.items() if k.startswith('msix_resync_'))
    if len(cases) < want:
        return 'built-in kunit: only %d of the %d msix_resync cases ran' % (len(cases), want)
    return ('built-in kunit ' + bad[0]) if bad else None


def slow_layers(top, work, m):
    tree, out = os.path.join(work, 'tree'), os.path.join(work, 'out')
    shutil.rmtree(tree, ignore_errors=True)
    shutil.copytree(top, tree, ignore=shutil.ignore_patterns('.git', 'out'))
    os.makedirs(out, exist_ok=True)
    m.apply(tree)
    by = run_e2e(tree, out, '6.12:4') or run_kunit(tree, out)
    shutil.rmtree(tree, ignore_errors=True)
    return by


def coverage(top, work, builder, guest):
    """lib/'s line and branch coverage under the KUnit suites."""
    cov = os.path.join(work, 'cov')
    shutil.rmtree(cov, ignore_errors=True)
    builder.sync(cov)
    p = builder.make(cov, ['GCOV_PROFILE=y'])
    if p.returncode:
        return ['FAIL coverage: the gcov build failed: ' + p.stderr[-300:]], 1
    d = os.path.join(work, 'ko', 'cov')
    os.makedirs(d, exist_ok=True)
    shutil.copy(os.path.join(cov, 'msix_resync.ko'), d)
    text, _ = guest.run(['cov'], gcov=True)
    got = blocks(text)
    if 'cov' not in got or judge_block(*got['cov']):
        return ['FAIL coverage: the gcov build of the library failed the suites: %s'
                % (judge_block(*got['cov']) if 'cov' in got else 'no result')], 1
    import base64
    n = 0
    for path, data in re.findall(r'GCDA-BEGIN (\S+)\s*\n(.*?)GCDA-END', got['cov'][0], re.S):
        name = os.path.basename(path)
        if not name.startswith(('api', 'core')):
            continue
        raw = ''.join(l.strip() for l in data.splitlines()
                      if re.fullmatch(r'[A-Za-z0-9+/=]+', l.strip()))
        with open(os.path.join(cov, 'lib', name), 'wb') as f:
            f.write(base64.b64decode(raw))
        n += 1
    if n != 2:
        return ['FAIL coverage: %d of the 2 .gcda files came back from the guest' % n], 1
    reasons = {}
    with open(os.path.join(top, 'tests/coverage-reasons.txt')) as f:
        for line in f:
            if line.strip() and not line.startswith('#'):
                path, src, why = [x.strip() for x in line.split(' :: ')]
                reasons[(path, src)] = why
    lines_t = lines_c = br_t = br_c = 0
    out, bad, untaken = [], 0, []
    for src in ('api', 'core'):
        p = sh(['gcov', '-b', '-c', '-o', os.path.join(cov, 'lib'), src + '.c'],
               cwd=os.path.join(cov, 'lib'))
        g = os.path.join(cov, 'lib', src + '.c.gcov')
        if p.returncode or not os.path.exists(g):
            return ['FAIL coverage: gcov failed on %s.c: %s' % (src, p.stderr[-300:])], 1
        last = None
        for line in open(g):
            m = re.match(r'\s*([^:]+):\s*(\d+):(.*)$', line)
            if m:
                cnt, ln, code = m.group(1).strip(), int(m.group(2)), m.group(3)
                last = (ln, code.strip())
                if cnt == '-':
                    continue
                lines_t += 1
                if cnt.startswith('#') or cnt.startswith('='):
                    why = reasons.get(('lib/%s.c' % src, code.strip()))
                    out.append('  lib/%s.c:%d not covered: %s%s' % (
                        src, ln, code.strip()[:70], ' -- ' + why if why else ' -- NO REASON'))
                    bad += not why
                else:
                    lines_c += 1
                continue
            m = re.match(r'branch\s+\d+ (taken (\d+)|never executed)', line)
            if m:
                br_t += 1
                taken = bool(m.group(2)) and int(m.group(2)) > 0
                br_c += taken
                if not taken and last:
                    untaken.append('  lib/%s.c:%d: a branch never taken: %s' % (
                        src, last[0], last[1][:70]))
    head = ('coverage of lib/ under the KUnit suites (model, device; by insmod): '
            'lines %d/%d (%.1f%%), branches taken %d/%d (%.1f%%)'
            % (lines_c, lines_t, 100.0 * lines_c / lines_t, br_c, br_t,
               100.0 * br_c / max(br_t, 1)))
    # the *_ratelimited() macros' own branch (a message suppressed) is
    # among them: no test logs ten in five seconds at one call site
    return [head] + out + sorted(set(untaken)), bad


def selftest():
    """The judge's verdicts on a measured judge guest's console
    (tests/selftest/mutate/judge.log: the unmutated library's block, both
    suites) and doctored copies, the control rule, and mutagen's rule that
    every statement line gets a mutant."""
    import tempfile
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(os.path.join(top, 'tests/selftest/mutate/judge.log')) as f:
        text = f.read()
    passed = failed = 0

    def check(ok, what):
        nonlocal passed, failed
        print('%s harness: mutate: %s' % ('PASS' if ok else 'FAIL', what))
        passed, failed = passed + bool(ok), failed + (not ok)

    got = blocks(text)
    body, ended = got.get('orig', ('', False))
    check(ended and judge_block(body, ended) is None,
          'the measured block of the unmutated library passes (the mutant would survive)')
    first_ok = re.search(r'^.*\bok \d+ \S+.*$', body, re.M).group(0)
    leak_ok = body + 'KMEMLEAK-BEGIN\nKMEMLEAK-END\n'
    cases = [
        ('a failed case kills', body.replace(first_ok, first_ok.replace(' ok ', ' not ok '), 1),
         True, False, 'not ok'),
        ('a skipped case kills', body.replace(first_ok, first_ok + ' # SKIP no device', 1),
         True, False, 'skipped'),
        ('a suite that did not finish kills',
         re.sub(r'.*# msix_resync_device: pass:.*\n', '', body), True, False, 'did not finish'),
        ('fewer cases than the suites have kills',
         '\n'.join(l for i, l in enumerate(body.split('\n'))
                   if not (re.search(r'^\s+ok \d+ ', l) and i % 7 == 0)), True, False, 'ok lines'),
        ('a block the guest never ended kills', body, False, False, 'stopped or hung'),
        ('a KASAN report kills', body + '[   12.0] BUG: KASAN: slab-use-after-free in x\n',
         True, False, 'guest log'),
        ('a library that did not load is not judged', body + 'MUT-INSMOD-FAILED 7\n',
         True, False, 'NOT JUDGED'),
        ('with kmemleak, an empty report passes', leak_ok, True, True, None),
        ('with kmemleak, a leak kills', leak_ok.replace(
            'KMEMLEAK-END', 'kmemleak-report: unreferenced object 0xffff8880 (size 64):\n'
            'KMEMLEAK-END'), True, True, 'kmemleak'),
        ('with kmemleak, a report never printed kills', body + 'KMEMLEAK-BEGIN\n', True, True,
         'no report'),
    ]
    for what, b, e, leak, want in cases:
        v = judge_block(b, e, leak=leak)
        check((v is None) if want is None else (v is not None and want in v),
              '%s (%s)' % (what, v))

    class FakeGuest:
        boots = 0

        def __init__(self, ctl):
            self.ctl = ctl

        def run(self, ids, leak=False, suites=SUITES):
            self.boots += 1
            out = 'GUEST-UP filter=(null)\n'
            for i in ids:
                b = self.ctl if i == 'orig' else body
                out += 'MUT-BEGIN %s\n%sMUT-END %s taint=266240\n' % (i, b, i)
            return out, False
    try:
        r = run_stage(FakeGuest(body), ['5'])
        check(r == {'5': None}, 'a guest whose control passes judges its mutants (%r)' % r)
    except SystemExit as e:
        check(False, 'a guest whose control passes judges its mutants (%s)' % e)
    try:
        run_stage(FakeGuest(body.replace(first_ok, first_ok.replace(' ok ', ' not ok '), 1)),
                  ['5'])
        check(False, 'a failing control stops the run')
    except SystemExit as e:
        check('unmutated library fails' in str(e), 'a failing control stops the run (%s)' % e)

    tmp = tempfile.mkdtemp()
    try:
        os.makedirs(os.path.join(tmp, 'lib'))
        for f in mutagen.FILES:
            shutil.copy(os.path.join(top, f), os.path.join(tmp, f))
        p = sh([sys.executable, os.path.join(top, 'tests/mutagen.py'), tmp, '--lines'])
        check(p.returncode == 0, 'mutagen: every statement line of lib/ has a mutant')
        with open(os.path.join(tmp, 'lib/core.c')) as f:
            src = f.read()
        with open(os.path.join(tmp, 'lib/core.c'), 'w') as f:
            f.write(src.replace('\trs->pdev = pdev;\n', '\trs->pdev = pdev;\n\trs->cap++;\n', 1))
        p = sh([sys.executable, os.path.join(top, 'tests/mutagen.py'), tmp, '--lines'])
        check(p.returncode == 1 and 'NO MUTANT\trs->cap++;' in p.stdout,
              'mutagen: a statement no operator applies to fails --lines')
    finally:
        shutil.rmtree(tmp)
    print('mutate selftest: %d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


def main():
    if sys.argv[1] == '--selftest':
        return selftest()
    top, work, build = sys.argv[1], sys.argv[2], sys.argv[3]
    muts = mutagen.generate(top) + load_named(top)
    for i, m in enumerate(muts, 1):
        m.id = i
    only = set(os.environ.get('MUTATE_ONLY', '').split())
    if only:
        muts = [m for m in muts if str(m.id) in only]
    equiv = load_equivalent(top)
    t0 = time.time()
    b = Builder(top, work, build)
    shutil.rmtree(os.path.join(work, 'ko'), ignore_errors=True)
    b.sync()
    p = b.make()
    if p.returncode:
        print('mutate: the unmutated library does not build:\n' + p.stdout[-1500:] + p.stderr[-1500:])
        return 1
    orig = b.signature()
    b.keep('orig')
    shutil.copy(os.path.join(b.oot, 'kunit/msix_resync_test.ko'),
                os.path.join(work, 'msix_resync_test.ko'))
    sh(['strip', '--strip-debug', os.path.join(work, 'msix_resync_test.ko')])

    verdict = {}
    print('stage 0: building %d mutants' % len(muts), flush=True)
    for m in muts:
        why = listed(equiv, m)
        if why.startswith('not judged: '):
            verdict[m.id] = 'NOT JUDGED (%s)' % why[len('not judged: '):]
            continue
        b.mutate(m)
        p = b.make()
        if p.returncode:
            err = [l for l in (p.stdout + p.stderr).splitlines() if 'error:' in l]
            verdict[m.id] = 'NOT JUDGED (does not compile: %s)' % (
                err[0].split('error:', 1)[1].strip()[:80] if err else 'make failed')
        elif b.signature() == orig:
            verdict[m.id] = 'EQUIVALENT (same object code as the original)'
        else:
            b.keep(str(m.id))
    b.mutate(None)
    print('stage 0: %d to judge [%d s]' % (len(muts) - len(verdict), time.time() - t0), flush=True)

    g = Guest(top, work, build)
    todo = [str(m.id) for m in muts if m.id not in verdict]
    # the model suite alone first (seconds a mutant), then both suites for
    # what it does not kill
    for name, suites in (('the model suite', SUITES[:1]), ('model and device suites', SUITES)):
        res = run_stage(g, todo, suites=suites)
        for i, why in res.items():
            if why:
                verdict[int(i)] = ('NOT JUDGED (%s)' % why[12:]) \
                    if why.startswith('NOT JUDGED') else 'killed by ' + why
        print('stage 1 (KUnit by insmod, %s): %d of %d killed [%d s]'
              % (name, sum(1 for w in res.values() if w), len(res), time.time() - t0),
              flush=True)
        todo = [i for i, why in res.items() if not why]
    if todo:
        res = run_stage(g, todo, leak=True)
        for i, why in res.items():
            if why:
                verdict[int(i)] = 'killed by ' + why
    print('stage 2 (kmemleak): %d left [%d s]' % (
        sum(1 for m in muts if m.id not in verdict), time.time() - t0), flush=True)
    for m in muts:
        if m.id in verdict:
            continue
        why = listed(equiv, m)
        if why:
            verdict[m.id] = 'EQUIVALENT (%s)' % why
            continue
        if os.environ.get('MUTATE_SLOW', '1') == '0':
            continue
        by = slow_layers(top, work, m)
        if by:
            verdict[m.id] = ('NOT JUDGED (%s)' % by[12:]) if by.startswith('NOT JUDGED') \
                else 'killed by ' + by
        print('  stage 3: mutant %d: %s' % (m.id, verdict.get(m.id, 'survived')), flush=True)

    count = {'killed': 0, 'EQUIVALENT': 0, 'NOT JUDGED': 0, 'SURVIVED': 0}
    for m in muts:
        v = verdict.get(m.id, 'SURVIVED')
        count[v.split(' (')[0].split(' by')[0]] += 1
        src = open(os.path.join(top, m.path)).read().split('\n')[m.first - 1].strip()
        print('mutant %d %s:%d %s (%s): %s' % (m.id, m.path, m.first, m.kind, m.what, v))
        if v == 'SURVIVED':
            print('    line: %s' % src)
    cov, nocov = coverage(top, work, b, g)
    print('\n'.join(cov))
    print('time: %d s, %d judge guests' % (time.time() - t0, g.boots))
    print('mutants: %d killed, %d equivalent, %d not judged, %d survived'
          % (count['killed'], count['EQUIVALENT'], count['NOT JUDGED'], count['SURVIVED']))
    return 1 if count['SURVIVED'] or nocov or count['killed'] < len(muts) // 2 else 0


if __name__ == '__main__':
    sys.exit(main())
