#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench-vfio's report: per QEMU generation, the table, the targets, a plot.

Usage: vfio_report.py OUTDIR RUNDIR...
Each RUNDIR is one nested boot of scripts/vfio-run.sh with VFIO_BENCH set:
l2-console.log holds L2's "L2-CYCLE m:n:r" lines, each followed by the
cycle's "BENCH method=m n=N post_us=T pre_us=Q delivered=D/N ret=R";
l1-console.log holds L1's "L1-QEMU ..." and per cycle "L1-HOSTWORK m:n:r
set_irqs=S vectors_on=V vectors_off=F lost=L". Writes OUTDIR/results.txt,
OUTDIR/bench-vfio.dat and OUTDIR/bench-vfio.png; exits 1 when a cycle is
missing or unmatched, the host's trace dropped events, L1's or L2's log
has a BUG:, WARNING:, lockdep or sleeping-in-atomic line, or a target is
missed that KNOWN_MISSES does not list with its reason.
"""

import os
import re
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from kunit_results import bad_lines  # noqa: E402  (the guest-log verdict of every layer)

METHODS = ['resync', 'descend', 'realloc', 'perirq', 'stock', 'after', 'amdgpu', 'core']
LABELS = {'resync': 'msix-resync', 'descend': 'resync, unmask n-1..0',
          'realloc': 'free+realloc', 'perirq': 'per-irq free/request',
          'stock': 'stock save+restore', 'after': 'restore+after_reset',
          'amdgpu': 'restore+amdgpu toggle', 'core': 'PCI core fixed'}
# the methods that repair with nothing but Message Control writes, judged
# against the host's physical minimum (one VFIO_DEVICE_SET_IRQS that gives
# the host n vectors)
TOGGLES = ['resync', 'after', 'amdgpu', 'core', 'descend']
# (target, QEMU major) -> why it is missed; any other miss fails the run.
# The reasons are measurements (Documentation/benchmark.rst, "Under VFIO").
_TIME = ('under VFIO both methods wait for QEMU to re-enable the host\'s MSI-X '
         'after the reset, and that wait dominates (the ratios are printed above)')
_GROW = ('QEMU 7.2 grows the host\'s vectors one at a time as the restore clears '
         'Function Mask (vfio_msix_vector_do_use(): n(n+1)/2 + 1); unmasking the highest '
         'vector first (the descend column) is linear there but slower on QEMU 10 and at '
         'n <= 16, so msix-resync keeps its one write (design.rst, "Under VFIO")')
KNOWN_MISSES = {
    ('>= 10x less time than free+realloc for n >= 16', '7'): _TIME,
    ('>= 10x less time than free+realloc for n >= 16', '10'): _TIME,
    ('>= 2x fewer host vectors programmed than free+realloc for n >= 16', '7'): _GROW,
    ('host vectors programmed by a resync linear in n (n to 2n + 2)', '7'): _GROW,
}
CYCLE = re.compile(r'L2-CYCLE (\w+):(\d+):(\d+)')
BENCH = re.compile(r'msix_resync_vbench: BENCH method=(\w+) n=(\d+) post_us=(\d+) '
                   r'pre_us=(\d+) delivered=(\d+)/(\d+) ret=(-?\d+)')
WORK = re.compile(r'L1-HOSTWORK (\w+):(\d+):(\d+) set_irqs=(\d+) vectors_on=(\d+) '
                  r'vectors_off=(\d+) lost=(-?\d+)')
QEMU = re.compile(r'L1-QEMU QEMU emulator version (\S+)')
# what L2 was asked to run: its kernel command line (scripts/vfio-run.sh)
ASKED = re.compile(r'Kernel command line:.* msixr\.counts=(\S+) msixr\.methods=(\S+) '
                   r'msixr\.runs=(\d+)')
RESET = re.compile(r'L1-BENCHRESET (\w+):(\d+):(\d+) (.*)')
RESET_OK = re.compile(r'L1-RESET (R[12]) zeroed=(\d+) ctrl=(0x[0-9a-f]+)->(0x[0-9a-f]+)')
# lines that mean L2's side of a cycle went wrong
L2_BAD = re.compile(r'L2-(SYNC-ERROR|CTL-FAILED|NO-DEVICE).*')


def parse(rundir, problems):
    """QEMU version, {(method, n): [run dicts]}"""
    l1 = open(os.path.join(rundir, 'l1-console.log'), errors='replace').read()
    l2 = open(os.path.join(rundir, 'l2-console.log'), errors='replace').read()
    q = QEMU.search(l1)
    qemu = q.group(1) if q else '?'
    work = {(m.group(1), int(m.group(2)), int(m.group(3))): m for m in WORK.finditer(l1)}
    resets = {(m.group(1), int(m.group(2)), int(m.group(3))): m.group(4)
              for m in RESET.finditer(l1)}
    core = bool(re.search(r'L2-START \S+-core\b', l2))
    for name, log in (('L1', l1), ('L2', l2)):
        for line in bad_lines(log.splitlines())[:5]:
            problems.append('%s: %s\'s log: %s' % (rundir, name, line.strip()))
    for m in L2_BAD.finditer(l2):
        problems.append('%s: L2 says %s' % (rundir, m.group(0).strip()))
    if not re.search(r'L2-END', l2):
        problems.append('%s: L2 did not reach L2-END' % rundir)
    a = ASKED.search(l2)
    if a:
        want = {(m, int(n), r) for n in a.group(1).split(',') for m in a.group(2).split(',')
                for r in range(1, int(a.group(3)) + 1)}
    else:
        want = set()
        problems.append('%s: no msixr.counts/methods/runs on L2\'s command line' % rundir)
    seen = set()
    cells, cur = {}, None
    for line in l2.splitlines():
        c = CYCLE.search(line)
        if c:
            if cur:
                problems.append('%s: cycle %s:%d:%d has no BENCH line' % ((rundir,) + cur))
            cur = (c.group(1), int(c.group(2)), int(c.group(3)))
            continue
        b = BENCH.search(line)
        if not b:
            continue
        if not cur or (b.group(1), int(b.group(2))) != cur[:2]:
            problems.append('%s: a BENCH line outside its cycle: %s' % (rundir, line.strip()))
            continue
        seen.add(cur)
        rs = resets.get(cur, '')
        ok = RESET_OK.search(rs)
        if not ok:
            problems.append('%s: cycle %s:%d:%d: no reset was played (%r)' % ((rundir,) + cur + (rs,)))
        elif ok.group(1) == 'R2' and int(ok.group(4), 16) & 0x8000:
            problems.append('%s: cycle %s:%d:%d: R2 left MSI-X Enable set (%s)'
                            % ((rundir,) + cur + (ok.group(0),)))
        w = work.get(cur)
        if not w:
            problems.append('%s: cycle %s:%d:%d has no L1-HOSTWORK line' % ((rundir,) + cur))
        elif int(w.group(7)):
            problems.append('%s: cycle %s:%d:%d: the host trace dropped %s events'
                            % ((rundir,) + cur + (w.group(7),)))
        # the stock restore on the L2 whose PCI core is fixed: candidate (c)
        key = ('core', cur[1]) if core and cur[0] == 'stock' else cur[:2]
        cells.setdefault(key, []).append({
            'post': int(b.group(3)), 'pre': int(b.group(4)),
            'got': int(b.group(5)), 'n': int(b.group(6)), 'ret': int(b.group(7)),
            'set_irqs': int(w.group(4)) if w else None,
            'on': int(w.group(5)) if w else None,
            'off': int(w.group(6)) if w else None})
        cur = None
    if cur:
        problems.append('%s: cycle %s:%d:%d has no BENCH line' % ((rundir,) + cur))
    for c in sorted(want - seen):
        problems.append('%s: cycle %s:%d:%d did not run' % ((rundir,) + c))
    return qemu, cells


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__.split('\n\n')[1])
    outdir, rundirs = sys.argv[1], sys.argv[2:]
    problems, lines, verdicts, dat = [], [], [], []
    qemus = []	# one per block of bench-vfio.dat, in order
    p = lines.append
    # the boots of one QEMU (the stock L2's, the core-fixed L2's) together
    groups = {}
    for rundir in rundirs:
        qemu, cells = parse(rundir, problems)
        g = groups.setdefault(qemu, ([], {}))
        g[0].append(rundir)
        for k, runs in cells.items():
            g[1].setdefault(k, []).extend(runs)
    for qemu, (dirs, cells) in groups.items():
        rundir = ' + '.join(dirs)
        major = qemu.split('.')[0]
        ns = sorted({n for (_, n) in cells})
        methods = [m for m in METHODS if any((m, n) in cells for n in ns)]
        if 'resync' not in methods or not ns:
            problems.append('%s: no msix-resync cycles' % rundir)
            continue

        def val(m, n, key):
            runs = cells.get((m, n), [])
            return med([r[key] for r in runs])

        def repaired(m, n):
            runs = cells.get((m, n), [])
            return bool(runs) and all(r['got'] == r['n'] and r['ret'] == 0 for r in runs)

        def worst(m, n):
            runs = cells.get((m, n), [])
            return min(r['got'] for r in runs) if runs else 0

        def over_resync(n, key):
            """free+realloc's median of key over msix-resync's, None when
            not measured: a time needs both repaired, a ratio a non-zero
            divisor (none is made up)"""
            a, b = val('realloc', n, key), val('resync', n, key)
            if key == 'post' and not (repaired('realloc', n) and repaired('resync', n)):
                return None
            return a / b if a is not None and b else None

        p('QEMU %s (L2 sees an assigned ivshmem; reset R2: table and Enable cleared '
          'behind the host)' % qemu)
        p('  time from the reset until every vector delivered again, ms (median of %d);'
          ' "lost d/n" when not every vector delivered within 2 s'
          % len(cells.get(('resync', ns[0]), [])))
        p('  host work per cycle: VFIO_DEVICE_SET_IRQS ioctls / host vectors given an eventfd')
        p('  %5s  %s  %s' % ('n', '  '.join('%-24s' % LABELS[m] for m in methods),
                             'realloc/resync time, host vectors'))
        for n in ns:
            row = []
            for m in methods:
                if (m, n) not in cells:
                    row.append('%-24s' % '-')
                    continue
                t = ('%.1f ms' % (val(m, n, 'post') / 1000) if repaired(m, n)
                     else 'lost %d/%d' % (worst(m, n), n))
                row.append('%-24s' % ('%s  %d/%d' % (t, val(m, n, 'set_irqs') or 0,
                                                      val(m, n, 'on') or 0)))
            rt = rv = '-'
            if over_resync(n, 'post') is not None:
                rt = '%.1fx' % over_resync(n, 'post')
                if over_resync(n, 'on') is not None:
                    rv = '%.1fx' % over_resync(n, 'on')
            p('  %5d  %s  %s, %s' % (n, '  '.join(row), rt, rv))
            dat.append('%d %d %s' % (len(qemus), n, ' '.join(
                '%.3f' % (val(m, n, 'post') / 1000) if repaired(m, n) else 'NaN'
                for m in METHODS)) + ' ' + ' '.join(
                '%d' % val(m, n, 'on') if (m, n) in cells and val(m, n, 'on') else 'NaN'
                for m in METHODS))
        p('  before the reset (save, for msix-resync with its quiesce), ms (median):')
        for n in ns:
            p('  %5d  %s' % (n, '  '.join('%-24s' % ('%.1f ms' % (val(m, n, 'pre') / 1000)
                                                     if (m, n) in cells else '-')
                                          for m in methods)))
        dat.append('')
        dat.append('')
        qemus.append(qemu)

        def target(name, ok, detail):
            key = (name, major)
            state = 'met' if ok else ('MISSED (known: %s)' % KNOWN_MISSES[key]
                                      if key in KNOWN_MISSES else 'MISSED')
            verdicts.append((key, ok))
            p('    %s: %s -> %s' % (name, detail, state))
        big = [n for n in ns if n >= 16]
        p('  targets:')
        target('msix-resync repairs: every vector delivers after every cycle',
               all(repaired('resync', n) for n in ns),
               ', '.join('n=%d: %d/%d' % (n, worst('resync', n), n) for n in ns))
        if 'realloc' in methods and big:
            # shown whenever free+realloc repaired, a resync that lost vectors too
            times = ', '.join('n=%d: %.1fx' % (n, val('realloc', n, 'post') / val('resync', n, 'post'))
                              for n in big if repaired('realloc', n) and val('resync', n, 'post'))
            hosts = ', '.join('n=%d: %s vs %s' % (n, val('resync', n, 'on'), val('realloc', n, 'on'))
                              for n in big)

            def each(key, holds):	# over every n >= 16, a ratio measured and holding
                return all(over_resync(n, key) is not None and holds(over_resync(n, key))
                           for n in big)
            target('>= 10x less time than free+realloc for n >= 16',
                   each('post', lambda r: r >= 10), times)
            # the floors under the known misses: a regression below them fails
            # (2x was tried as the time floor: QEMU 7.2 at n = 128 measured
            # 1.9x, 2.4x and 3.0x in three runs; faster is what holds)
            target('less time than free+realloc for n >= 16 (the floor under 10x)',
                   each('post', lambda r: r > 1), times)
            target('no more host vectors programmed than free+realloc for n >= 16 '
                   '(the floor under 2x fewer)', each('on', lambda r: r >= 1), hosts)
            target('>= 2x fewer host vectors programmed than free+realloc for n >= 16',
                   each('on', lambda r: r >= 2), hosts)
        # at least n: the host must have been given every vector again
        ok = all(val('resync', n, 'on') is not None and n <= val('resync', n, 'on') <= 2 * n + 2
                 for n in ns)
        target('host vectors programmed by a resync linear in n (n to 2n + 2)', ok,
               ', '.join('n=%d: %s' % (n, val('resync', n, 'on')) for n in ns))
        if 'descend' in methods:
            p('  unmasking highest first (descend) against msix-resync as it is: time, host vectors')
            for n in ns:
                if repaired('descend', n) and repaired('resync', n) and val('resync', n, 'post'):
                    p('  %5d  %.2fx time, %s vs %s host vectors' % (
                        n, val('descend', n, 'post') / val('resync', n, 'post'),
                        val('descend', n, 'on'), val('resync', n, 'on')))
                else:
                    p('  %5d  descend delivered %d/%d' % (n, worst('descend', n), n))
        for m in ('after', 'amdgpu', 'core'):
            if m in methods:
                target('%s repairs: every vector delivers after every cycle' % LABELS[m],
                       all(repaired(m, n) for n in ns),
                       ', '.join('n=%d: %d/%d' % (n, worst(m, n), n) for n in ns))
        # the host's physical minimum: one SET_IRQS giving it n vectors
        # (and one taking them away); what each toggle costs beyond it
        p('  host work against the physical minimum (1 SET_IRQS and n host vectors to '
          'program n; +1 SET_IRQS to tear down): SET_IRQS / host vectors')
        for m in [m for m in TOGGLES if m in methods]:
            at_min = all(val(m, n, 'on') == n and val(m, n, 'set_irqs') <= 2 for n in ns)
            p('    %-22s %s -> %s' % (LABELS[m], ', '.join(
                'n=%d: %s/%s' % (n, val(m, n, 'set_irqs'), val(m, n, 'on')) for n in ns),
                'at the minimum' if at_min else 'above it'))
        if 'stock' in methods:
            # else the reset did not do what the benchmark is about
            target('the reset shows the failure: the stock restore loses every vector',
                   all(worst('stock', n) == 0 for n in ns),
                   ', '.join('n=%d: %d/%d' % (n, worst('stock', n), n) for n in ns))
        p('')
    for pr in problems:
        p('PROBLEM: %s' % pr)
    text = '\n'.join(lines)
    print(text)
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, 'results.txt'), 'w') as f:
        f.write(text + '\n')
    with open(os.path.join(outdir, 'bench-vfio.dat'), 'w') as f:
        f.write('\n'.join(dat) + '\n')
    gp = ["set terminal png size 1100,%d" % (420 * max(len(qemus), 1)),
          "set output '%s/bench-vfio.png'" % outdir,
          "set multiplot layout %d,2" % max(len(qemus), 1),
          "set logscale xy", "set key left top", "set xlabel 'MSI-X vectors (n)'",
          "set termoption noenhanced",
          'names = "%s"' % ' '.join(LABELS[m].replace(' ', '_') for m in METHODS)]
    for g, q in enumerate(qemus):
        gp += ["set ylabel 'ms, reset until every vector delivered'",
               "set title 'QEMU %s: time in L2 (lost: not drawn)'" % q,
               "plot for [i=3:%d] '%s/bench-vfio.dat' index %d using 2:i with linespoints "
               "title word(names, i-2)" % (2 + len(METHODS), outdir, g),
               "set ylabel 'host vectors given an eventfd'",
               "set title 'QEMU %s: host work per cycle (L1 vfio-pci)'" % q,
               "plot for [i=%d:%d] '%s/bench-vfio.dat' index %d using 2:i with linespoints "
               "title word(names, i-%d)" % (3 + len(METHODS), 2 + 2 * len(METHODS), outdir, g,
                                            2 + len(METHODS))]
    gp = '\n'.join(gp + ['unset multiplot', ''])
    plotted = subprocess.run(['gnuplot'], input=gp.encode()).returncode == 0
    print('plot: %s' % ('%s/bench-vfio.png' % outdir if plotted else 'gnuplot failed, no plot'))
    missed = ['%s (QEMU %s)' % k for k, ok in verdicts if not ok and k not in KNOWN_MISSES]
    if missed:
        print('targets missed: %s' % '; '.join(missed))
    if problems:
        print('the run is incomplete: %d problems' % len(problems))
    return 1 if missed or problems or not verdicts or not plotted else 0


if __name__ == '__main__':
    sys.exit(main())
