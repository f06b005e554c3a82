#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Verdicts of the nested VFIO test (scripts/vfio-run.sh), and its matrix.

Usage: check.py [--evidence] CELLDIR[=RC]...
       check.py --selftest [KEEPDIR]

Each CELLDIR holds one boot's logs and is named [qSUITE-hL1SERIES-]L2SERIES-
RESET-HOST (6.12-R2-H1: L2's QEMU this machine's, bookworm's, and L1 6.12;
qtrixie-h6.1-6.12-R3-H1 in the matrix); which QEMU, L1 and L2 kernel ran is
read from the cell's own logs and must be what its name asks for. RC, when
given, is the exit status of the cell's vfio-run.sh as its caller saw it
(vfio-repro.sh): a run that failed fails its cell, whatever its directory
holds. The phases a cell ran are those L2 announced (L2-PHASE) and marked
in QEMU's trace, and must be those it was asked for (msixr.phases= on the
kernel command lines its logs show; vfio-run.sh's default A,B,N when they
show none). A phase (A stock, B msix-resync, N the negative control; S,
T, I, F: a reset L2 learns of only afterwards, PHASES) is "repaired" or
"lost" only when three independent witnesses agree:

  L2    the guest: nvme (R1, R2): its reads after the restore complete with
        the disk's pattern, without an nvme timeout, and its I/O vector
        (nvme0q1) counts -- or they time out ("completion polled") and it
        does not; e1000e (R3): after the device is programmed again, an
        interrupt raised on each of its five vectors arrives -- or none;
  L1    the host: the physical MSI-X table after the restore has Enable 1,
        MASKALL 0 and every used entry programmed and masked as before the
        reset -- or Enable 0 / a used entry still zero;
  QEMU  L2's hypervisor: its vfio_msi_interrupt trace shows interrupts on
        the I/O vector (e1000e: every vector) after the restore -- or none;
        judged only when the phase's save, restore and end markers are all
        in the trace (a trace cut short shows no interrupts either).

The expected verdicts are known for the default stack (QEMU 7.2, L1 6.12):
EXPECT. Elsewhere the stock restore's verdict is a finding, reported; the
library must repair, and the control must do what stock does. Each
after-the-fact phase is expected to do what stock (I) or the library (S,
T, F) does (LIKE; F after R3 what stock does, like()): measured on R2 and
R3 x H1 with QEMU 7.2 and L1 6.12, predicted elsewhere.

Prints one PASS/FAIL line per assertion, the tables, one "MATRIX ..." line
per cell that passed every check (with the versions its logs name), and
with --evidence the witnesses' own lines for each lost phase.

--selftest runs the checker on the cells of tests/vfio/selftest/ (measured
logs, trimmed: its README) and on doctored copies of them (DOCTORED): the
measured ones must pass, each doctored one must fail the check it is aimed
at and get no MATRIX row. KEEPDIR keeps the doctored cells (NN/CELL) to be
read. Ends with "vfio selftest: N passed, M failed"; exits 1 on a failure.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from kunit_results import bad_lines  # noqa: E402  (the guest-log verdict of every layer)

EXPECT = {  # (reset, host) -> (A stock, B msix-resync)
    ('R1', 'H1'): ('repaired', 'repaired'),
    ('R1', 'H0'): ('lost', 'repaired'),
    ('R2', 'H1'): ('lost', 'repaired'),
    ('R2', 'H0'): ('lost', 'repaired'),
    # H0L: only the 3.18 rewrite taken out. The irq core's own rewrite on
    # free_irq()/request_irq() still repairs R1 (h0-2-*.patch says why).
    ('R1', 'H0L'): ('repaired', 'repaired'),
    ('R2', 'H0L'): ('lost', 'repaired'),
    # R3 resets config space too: Enable is 0 in the device, QEMU's shadow
    # says 1, and vfio restores only the BARs (on the Command write).
    ('R3', 'H1'): ('lost', 'repaired'),
}
# L2's hypervisor: the QEMU (major.minor) of each Debian suite a cell's
# name can ask for (scripts/vfio-run.sh VFIO_QEMU; bookworm is this
# machine's). A stable suite keeps its major.minor for good (only point
# releases move: 7.2.22 -> 7.2.23 matches); sid moves on without notice,
# so its cells need that version or a newer one, never an older one.
SUITE_QEMU = {'bookworm': '7.2', 'trixie': '10.0', 'sid': '11.1', 'bullseye': '5.2'}
MOVING_SUITES = ('sid',)


def plan_ok(plan):
    """Whether a cell may be asked for these phases (PLAN)."""
    return bool(PLAN.match(plan)) and ('I' not in plan or 'S' in plan or 'T' in plan)


def listing(phases):
    """'A, B and N'"""
    return ', '.join(phases[:-1]) + ' and ' + phases[-1] if len(phases) > 1 else ''.join(phases)


def qemu_matches(suite, logged):
    """Whether the QEMU a cell logged (major.minor) is its suite's."""
    want = SUITE_QEMU.get(suite)
    if want is None or logged is None:
        return False
    if suite in MOVING_SUITES:
        return tuple(map(int, logged.split('.'))) >= tuple(map(int, want.split('.')))
    return logged == want
CELL = re.compile(r'(?:q(?P<suite>[a-z]+)-h(?P<l1>\d+\.\d+)-)?'
                  r'(?P<series>\d+\.\d+)(?P<core>\+core)?-(?P<reset>R[123])-(?P<host>H0L|H0|H1)$')
E1000E_NVEC = 5     # the e1000e's vectors (kunit/e1000e_msix.h)
READS = 4           # reads per phase (tests/vfio/l2-init.sh)
IO_VECTOR = 1       # nvme0q1: MSI-X entry 1 (entry 0 is the admin queue)
# The phases, in the order of their marker nibbles (1..7:
# tests/vfio/msix_resync_vfio.c's vt_phases, l2-init.sh's mark()).
PHASES = 'ABNSTIF'
NAMES = {'A': 'A stock', 'B': 'B msix-resync', 'N': 'N control (B without the library calls)',
         # after the fact: pci_save_state() only before the reset, as in A
         'S': 'S after the fact (pci_restore_state(), msix_resync_after_reset())',
         'T': 'T amdgpu (pci_restore_state(), amdgpu_restore_msix()\'s Enable toggle)',
         'I': 'I iavf (pci_restore_msi_state() only)',
         'F': 'F iavf fixed (pci_restore_msi_state(), msix_resync_after_reset())'}
# Which of EXPECT's two verdicts each phase must have: stock's (0) or the
# library's (1). For S, T, I, F measured on R2 and R3 x H1 (QEMU 7.2, L1
# 6.12), predicted elsewhere: an Enable
# 1->0->1 after the restore makes QEMU vfio_msix_disable() and
# vfio_msix_enable(), and the host program every unmasked vector again;
# iavf's pci_restore_msi_state() is the stock restore's MSI-X part.
LIKE = {'A': 0, 'B': 1, 'N': 0, 'S': 1, 'T': 1, 'I': 0, 'F': 1}


def like(p, reset):
    """LIKE for a phase's verdict under a reset kind. After R3, a real
    Secondary Bus Reset, iavf's pci_restore_msi_state() leaves Command and
    BAR0 as the reset left them (cleared): QEMU re-enables MSI-X on the host
    for F (its trace check stays LIKE's), but the host's table writes go to
    a device that decodes no memory, so F is lost there like I (measured
    2026-12-06, QEMU 7.2.22, L1 6.12). A VF reset by its PF, iavf's own
    case, leaves the VF's header to the PF's SR-IOV control, as R1 and R2
    leave it."""
    return 0 if p == 'F' and reset == 'R3' else LIKE[p]


def like_in(c, p):
    """like() for a phase of cell @c. On an L2 kernel with the PCI core's
    MSI-X restore fixed (SERIES+core: drivers-ipr-patch/upstream/0003-PCI-MSI-*.patch)
    every restore shows QEMU an Enable edge: every phase is expected to do
    what the library does, but after R3 iavf's restore (I, F) leaves
    Command and BAR0 cleared, as like() says for F."""
    if c.core:
        return 0 if p in 'IF' and c.reset == 'R3' else 1
    return like(p, c.reset)


def edge(c, p):
    """Whether phase @p of cell @c shows QEMU an Enable 1->0->1 after the
    restore (vfio_msix_disable, then vfio_msix_enable): the after-the-fact
    phases that toggle (S, T, F), and on a core-fixed L2 every restore."""
    return bool(LIKE[p]) or c.core
# The MATRIX line's and the tables' column of each after-the-fact phase,
# there only when the cell ran it.
COLUMN = {'S': 'after_reset', 'T': 'amdgpu', 'I': 'iavf', 'F': 'iavf_fixed'}
HEAD = {'S': 'S: after_reset', 'T': 'T: amdgpu', 'I': 'I: iavf', 'F': 'F: iavf fixed'}
# What a judged cell can be asked for (vfio-run.sh takes any distinct
# phases: make demo runs A,B): A, B and N, then any of S, T, I, F in that
# order, I only after S or T: I is lost wherever A is, so it must start
# from a table a phase repaired.
PLAN = re.compile(r'A,B,N(,S)?(,T)?(,I)?(,F)?$')
DEFAULT_PLAN = 'A,B,N'      # vfio-run.sh's PHASES
# msixr.phases= on a kernel command line ("Command line:", "Kernel command
# line:"): vfio-run.sh gives it to L1's kernel, L1 passes it on to L2's.
ASKED = re.compile(r'[Cc]ommand line: .*\bmsixr\.phases=(\S*)')
# Kernel lines that kunit_results.bad_lines(), the guest-log verdict of
# every layer, does not list, and that no log here may hold either.
BAD_MORE = re.compile(r'general protection|Kernel panic')
# L1's line for each phase's reset (tests/vfio/l1-init.sh): the phase, the
# exit status of "vfio_tool reset", and what vfio_tool says it did.
RESET_LINE = re.compile(r'L1-RESET ([A-Z]) rc=(\S*) ?(.*)$')
HEX = r'((?:0x)?[0-9a-f]+)'     # printf's %#x: a zero has no 0x
RESET_DID = {
    'R1': re.compile(r'R1 zeroed=(\d+) ctrl=%s->%s$' % (HEX, HEX)),
    'R2': re.compile(r'R2 zeroed=(\d+) ctrl=%s->%s$' % (HEX, HEX)),
    'R3': re.compile(r'R3 secondary bus reset of \S+ ctrl=%s->%s command=%s bar0=%s$'
                     % (HEX, HEX, HEX, HEX)),
}
MSIX_ENABLE = 0x8000


STAMP = re.compile(r'^\[\s*\d+\.\d+\] ')


def read(path):
    """A log's lines, without the kernel's timestamps: the inits print
    through /dev/kmsg, so their lines carry one too."""
    try:
        with open(path, errors='replace') as f:
            return [STAMP.sub('', s.rstrip('\r')) for s in f.read().splitlines()]
    except OSError:
        return []


def bad(lines):
    """A kernel log's alarming lines: every layer's verdict, and more."""
    worst = set(bad_lines(lines))
    return [s for s in lines if s.rstrip() in worst or BAD_MORE.search(s)]


def series_of(release):
    """'6.12' of '6.12.117+deb12-amd64', '7.2' of '7.2.22'; None if neither."""
    m = re.match(r'(\d+\.\d+)(?:[.+-]|$)', release)
    return m.group(1) if m else None


class Cell:
    def __init__(self, path, exit=None):
        self.path = path
        self.exit = exit    # vfio-run.sh's exit status as its caller saw it
        self.name = os.path.basename(path.rstrip('/'))
        m = CELL.match(self.name)
        self.named = bool(m)
        self.series, self.reset, self.host = (m.group('series', 'reset', 'host') if m
                                              else ('?', '?', '?'))
        # the PCI core's MSI-X restore fixed in L2 (its release ends -core)
        self.core = bool(m and m.group('core'))
        # what the name asks for: L2's QEMU from a suite, an L1 series
        self.suite = (m.group('suite') or 'bookworm') if m else '?'
        self.want_l1 = (m.group('l1') or '6.12') if m else '?'
        self.l1 = read(os.path.join(path, 'l1-console.log'))
        self.l2 = read(os.path.join(path, 'l2-console.log'))
        self.trace = read(os.path.join(path, 'l2-qemu-trace.log'))
        self.rc = ''.join(read(os.path.join(path, 'run.rc'))).strip()
        self.md5 = dict(s.split() for s in read(os.path.join(path, 'host-modules.md5'))
                        if len(s.split()) == 2)
        self.phases = [m.group(1) for m in
                       (re.match(r'L2-PHASE (\w) irq-before', s) for s in self.l2)
                       if m]
        self.marks = []
        self.events = self.trace_events()
        start = [s for s in self.l1 if s.startswith('L1-START ')]
        kv = dict(re.findall(r'(\w+)=(\S+)', start[0])) if start else {}
        self.dev = kv.get('dev', 'nvme')
        q = [re.search(r'version (\S+)', s) for s in self.l1 if s.startswith('L1-QEMU ')]
        self.qemu = q[0].group(1) if q and q[0] else '?'
        self.default = self.qemu.startswith('7.2.') and self.l1_release().startswith('6.12')

    def asked(self):
        """(phases, where): the phases the cell was asked for, a list, from
        msixr.phases= on every kernel command line L2's and L1's logs show,
        which must all say the same (phases None if not). Logs that show
        none (the trimmed cells of tests/vfio/selftest/) were asked for
        vfio-run.sh's default."""
        said = [m.group(1) for m in (ASKED.search(s) for s in self.l2 + self.l1) if m]
        if not said:
            return DEFAULT_PLAN.split(','), 'no command line logged: vfio-run.sh\'s default'
        if len(set(said)) > 1:
            return None, 'the command lines disagree: %s' % ' / '.join(sorted(set(said)))
        if not plan_ok(said[0]):
            return None, 'msixr.phases=%s is not A,B,N then any of S,T,I,F in that order, ' \
                'I after S or T' % said[0]
        return said[0].split(','), 'msixr.phases= on %d command lines' % len(said)

    def release(self, lines, tag):
        for s in lines:
            if s.startswith(tag + ' '):
                return s.split()[1]
        return '?'

    def l1_release(self):
        return self.release(self.l1, 'L1-START')

    def l2_release(self):
        return self.release(self.l2, 'L2-START')

    # --- L2 ------------------------------------------------------------
    def l2_window(self, p):
        out, on = [], False
        for s in self.l2:
            if s.startswith('L2-PHASE %s irq-before' % p):
                on = True
            if on:
                out.append(s)
            if s.startswith('L2-PHASE %s irq-after' % p):
                break
        return out

    def l2_facts(self, p):
        """The phase's L2-READ lines, nvme I/O timeout lines, nvme0q1
        count change (None if not logged) and read times in ms."""
        w = self.l2_window(p)
        irq = [int(m.group(1)) for m in
               (re.search(r'irq-(?:before|after)=(\d+)', s) for s in w) if m]
        reads = [s for s in w if s.startswith('L2-READ')]
        timeouts = [s for s in w if 'timeout' in s and 'QID 1' in s]
        delta = irq[1] - irq[0] if len(irq) == 2 else None
        ms = [int(re.search(r'ms=(\d+)', s).group(1)) for s in reads]
        return w, reads, timeouts, delta, ms

    def l2_view(self, p):
        if self.dev == 'e1000e':
            return self.l2_fire_view(p)
        w, reads, timeouts, delta, ms = self.l2_facts(p)
        match = all('data=match' in s for s in reads)
        if len(reads) == READS and match and not timeouts and delta and delta >= READS:
            verdict = 'repaired'
        elif len(reads) == READS and match and timeouts and delta == 0:
            verdict = 'lost'
        else:
            verdict = 'unclear'
        detail = ('%d/%d reads match, %d nvme timeouts, nvme0q1 +%s, '
                  'slowest read %s ms' % (sum('data=match' in s for s in reads),
                                          len(reads), len(timeouts), delta,
                                          max(ms) if ms else '-'))
        ev = [s for s in w if s.startswith('L2-PHASE')] + reads[:1] + timeouts[:1]
        return verdict, detail, ev

    def l2_fire_view(self, p):
        """e1000e: the FIRE line after the restore, interrupts per vector."""
        w = self.l2_window(p)
        fire = [s for s in w if 'msix_resync_vfio: FIRE delivered=' in s]
        got = [int(x) for x in fire[-1].split('delivered=')[1].split(',')] if fire else []
        if len(got) == E1000E_NVEC and all(n >= 1 for n in got):
            verdict = 'repaired'
        elif len(got) == E1000E_NVEC and not any(got):
            verdict = 'lost'
        else:
            verdict = 'unclear'
        detail = 'interrupts per vector after one raise each: %s' % (got or 'no FIRE line')
        ev = [s for s in w if s.startswith('L2-PHASE')] + fire[-1:]
        return verdict, detail, ev

    # --- L1 ------------------------------------------------------------
    def dump(self, label):
        ctrl, entries, lines = None, {}, []
        for s in self.l1:
            if not s.startswith('L1-DUMP %s ' % label):
                continue
            lines.append(s)
            kv = dict(re.findall(r'(\w+)=(\S+)', s))
            if 'entry' in kv:
                entries[int(kv['entry'])] = (int(kv['addr'], 16),
                                             int(kv['data'], 16), int(kv['masked']))
            else:
                ctrl = (int(kv['enable']), int(kv['maskall']))
        return ctrl, entries, lines

    def regs(self, label):
        """The config registers a dump's first line shows (command, bar0);
        a register it does not show is missing, not zero."""
        for s in self.l1:
            if s.startswith('L1-DUMP %s ' % label) and 'command=' in s:
                kv = dict(re.findall(r'(\w+)=%s(?=\s|$)' % HEX, s))
                return {k: int(v, 16) for k, v in kv.items() if k in ('command', 'bar0')}
        return {}

    def used(self):
        """Entries the host programmed for L2, and their masks, from the
        first dump taken before any reset."""
        _, entries, _ = self.dump('%s-before-reset' % self.phases[0])
        return {i: e[2] for i, e in entries.items() if e[0]}

    def l1_facts(self, p):
        """Message Control (Enable, MASKALL) after the phase's restore, the
        used entries, those still zero, whether masks are as before, and
        the dump's lines."""
        ctrl, entries, lines = self.dump('%s-after-restore' % p)
        used = self.used()
        zero = [i for i in used if entries.get(i, (0,))[0] == 0]
        masks = all(entries.get(i, (0, 0, -1))[2] == m for i, m in used.items())
        return ctrl, used, zero, masks, lines

    def l1_view(self, p):
        ctrl, used, zero, masks, lines = self.l1_facts(p)
        if ctrl is None or not used:
            return 'unclear', 'no dump after the restore', lines
        if ctrl == (1, 0) and not zero and masks:
            verdict = 'repaired'
        elif ctrl[0] == 0 or zero:
            verdict = 'lost'
        else:
            verdict = 'unclear'
        detail = ('Enable %d MASKALL %d, used entries %s, zero after restore %s, '
                  'masks as before %s' % (ctrl[0], ctrl[1], sorted(used), zero,
                                          'yes' if masks else 'no'))
        return verdict, detail, lines

    def reset_view(self, p, found=True):
        """Whether L1 played the phase's reset and it succeeded: one
        "L1-RESET P rc=0 ..." line, with what vfio_tool says it did (the
        cell's reset kind; R2 and R3 leave Enable clear; R1 and R2 zeroed
        at least the used entries where the phase found them programmed:
        found, all but B and a phase that follows a lost one). (ok,
        detail)"""
        lines = [m for m in (RESET_LINE.match(s) for s in self.l1) if m and m.group(1) == p]
        if len(lines) != 1:
            return False, '%s: %d L1-RESET %s lines' % (p, len(lines), p)
        rc, said = lines[0].group(2), lines[0].group(3)
        did = RESET_DID.get(self.reset, RESET_DID['R1']).match(said)
        if rc != '0' or not did:
            return False, '%s: vfio_tool reset exit %s, said %r' % (p, rc or '?', said)
        after = did.group(3) if self.reset == 'R2' else did.group(2)
        if self.reset in ('R2', 'R3') and int(after, 16) & MSIX_ENABLE:
            return False, '%s: %s left MSI-X Enable set: %r' % (p, self.reset, said)
        if self.reset != 'R3' and found and int(did.group(1)) < len(self.used()):
            return False, '%s: zeroed %s of %d used entries' % (p, did.group(1), len(self.used()))
        return True, '%s: %s' % (p, said)

    # --- QEMU ----------------------------------------------------------
    def trace_events(self):
        """(phase, step, event, text) for every trace line; step 1 after
        the save marker, 2 after the restore marker, 3 after the end
        marker. The markers, in order, go to self.marks."""
        phase, step, out = None, 0, []
        for s in self.trace:
            m = re.search(r'vfio_pci_write_config\s*\(.*@0xc, (0x[0-9a-f]+), len=0x1\)', s)
            if m:
                v = int(m.group(1), 16)
                if 1 <= v >> 4 <= len(PHASES) and 1 <= v & 15 <= 3:
                    phase, step = PHASES[(v >> 4) - 1], v & 15
                    self.marks.append((phase, step))
                continue
            m = re.search(r'(vfio_\w+)', s)
            if m and m.group(1) != 'vfio_pci_write_config':
                out.append((phase, step, m.group(1), s))
        return out

    def whole(self, p):
        """The phase is whole in QEMU's trace: its save, restore and end
        markers, once each, in that order."""
        return [st for ph, st in self.marks if ph == p] == [1, 2, 3]

    def qemu_view(self, p):
        """(verdict, detail, events before the reset, events after the
        restore, interrupts counted); no verdict unless the phase is whole."""
        ev = [e for e in self.events if e[0] == p]
        names = lambda st: [e[2] for e in ev if e[1] == st and e[2] != 'vfio_msi_interrupt']
        if self.dev == 'e1000e':
            per = [len([e for e in ev if e[1] == 2 and e[2] == 'vfio_msi_interrupt'
                        and re.search(r'vector %d\b' % v, e[3])]) for v in range(E1000E_NVEC)]
            irqs = sum(per)
            verdict = ('repaired' if all(per) else 'lost' if not irqs else 'unclear')
            detail = 'interrupts per vector after the restore %s' % per
        else:
            irqs = len([e for e in ev if e[1] == 2 and e[2] == 'vfio_msi_interrupt'
                        and re.search(r'vector %d\b' % IO_VECTOR, e[3])])
            verdict = ('repaired' if irqs >= READS else 'lost' if not irqs else 'unclear')
            detail = '%d interrupts on vector %d after the restore' % (irqs, IO_VECTOR)
        if not self.whole(p):
            # no interrupts in a trace cut short is no evidence of loss
            verdict = 'unclear'
            detail = ('the trace lacks phase %s\'s save, restore or end marker (has %s); '
                      % (p, [st for ph, st in self.marks if ph == p]) + detail)
        detail += '; before the reset: %s; after: %s' % (summary(names(1)), summary(names(2)))
        return verdict, detail, names(1), names(2), irqs


def summary(names):
    if not names:
        return 'nothing'
    out = []
    for n in names:
        if out and out[-1][0] == n:
            out[-1][1] += 1
        else:
            out.append([n, 1])
    return ', '.join('%s x%d' % (n, c) if c > 1 else n for n, c in out)


class Checker:
    def __init__(self, quiet=False):
        self.passed = self.failed = 0
        self.quiet = quiet
        self.results = []   # (ok, line)
        self.cells = []     # (cell, verdicts): the cells that passed every check
        self.unclean = []   # (cell, checks failed): no MATRIX row
        self.evidence = []

    def check(self, name, ok, detail=''):
        if ok:
            self.passed += 1
            line = 'PASS vfio %s' % name
        else:
            self.failed += 1
            line = 'FAIL vfio %s %s' % (name, detail)
        self.results.append((bool(ok), line))
        if not self.quiet:
            print(line)

    def cell(self, c):
        failed = self.failed
        self.judge(c)
        if self.failed > failed:
            self.unclean.append((c, self.failed - failed))
        else:
            self.cells.append((c, c.got))

    def judge(self, c):
        c.got = {}
        t = '%s x %s, L2 %s%s, QEMU %s, L1 %s:' % (c.reset, c.host, c.series,
                                                  '+core' if c.core else '', c.qemu,
                                                  c.l1_release())
        ran = c.rc == '0' and c.exit in (None, 0) and \
            any(s.startswith('L1-END') for s in c.l1) and \
            any(s.startswith('L2-END') for s in c.l2)
        self.check('%s L1 and L2 ran to the end' % t, ran,
                   '(vfio-run.sh exit %s, run.rc %s; see %s)' % (
                       'unknown' if c.exit is None else c.exit, c.rc or 'missing', c.path))
        want_qemu = SUITE_QEMU.get(c.suite)
        self.check('%s the cell %s ran what its name asks for: QEMU %s%s (%s), L1 %s, '
                   'L2 %s' % (t, c.name, want_qemu, '+' if c.suite in MOVING_SUITES else '',
                              c.suite, c.want_l1, c.series + ('+core' if c.core else '')),
                   c.named and qemu_matches(c.suite, series_of(c.qemu)) and
                   series_of(c.l1_release()) == c.want_l1 and
                   series_of(c.l2_release()) == c.series and
                   c.l2_release().endswith('-core') == c.core,
                   '(%s; logs: QEMU %s, L1 %s, L2 %s)' % (
                       'the name parses' if c.named else
                       'the name is not [qSUITE-hL1-]L2-RESET-HOST',
                       c.qemu, c.l1_release(), c.l2_release()))
        if not c.named:
            return
        alarms = bad(c.l1) + bad(c.l2)
        self.check('%s no BUG:, WARNING:, Oops, general protection fault, panic, '
                   'lockdep, KASAN or UBSAN line in L1 or L2' % t, not alarms, alarms[:3])
        cpus = [s.split()[1] for s in c.l2 if s.startswith('L2-CPUS ')]
        # make vfio-power's cells: a pseries L1 and L2
        pseries = 'powerpc64le' in c.l1_release()
        # a pseries L2 has 2: with 4, multiplexed on one thread of a TCG
        # inside a TCG, its lockup detector fires at boot
        want = '2' if pseries else '4'
        self.check('%s L2 ran SMP, with %s vCPUs' % (t, want), cpus == [want], cpus)
        host = [s for s in c.l1 if s.startswith('L1-HOST')]
        kv = dict(re.findall(r'(\w+)=(\S*)', host[0])) if host else {}
        rebuilt = c.host != 'H1'
        # vfio-run.sh lists the three hosts' modules, all different;
        # vfio-power.sh (a pseries L1) has Debian's only
        hosts = 1 if pseries else 3
        self.check('%s L1 runs host %s (%s vfio-pci-core, md5 %s)' % (
            t, c.host, "a rebuilt" if rebuilt else "Debian's",
            c.md5.get(c.host, '?')[:8]),
            'taint' in kv and (('O' in kv['taint']) == rebuilt) and
            kv.get('md5') == c.md5.get(c.host) and
            len(c.md5) == hosts and len(set(c.md5.values())) == hosts, (host, c.md5))
        sync = [s for s in c.l2 if 'SYNC-ERROR' in s or 'CTL-FAILED' in s]
        # What the cell ran: the phases L2 announced, in order, and marked
        # in QEMU's trace (a marker of a phase it was not asked for is
        # another run's, or a wrong nibble).
        ph, where = c.asked()
        marked = ''.join(sorted({m for m, _ in c.marks}, key=PHASES.index))
        ran_asked = ph is not None and c.phases == ph and set(marked) <= set(ph)
        self.check('%s L2 and L1 kept in step, every control write took, and L2 ran the '
                   'phases it was asked for (%s: %s)' % (t, ','.join(ph or '?'), where),
                   not sync and ran_asked,
                   sync or 'L2 announced %s, QEMU\'s trace marks %s' % (
                       ','.join(c.phases) or 'none', ','.join(marked) or 'none'))
        if not ran or not ran_asked:
            return
        # Known on the default stack; elsewhere stock is what it is (a
        # finding), the library must repair and the control follow stock.
        expect = EXPECT.get((c.reset, c.host), (None, 'repaired')) if c.default \
            else (None, 'repaired')
        got = c.got
        for p in ph:
            want = expect[like_in(c, p)]
            v2, d2, e2 = c.l2_view(p)
            v1, d1, e1 = c.l1_view(p)
            vq, dq, _, _, _ = c.qemu_view(p)
            agree = v2 == v1 == vq
            got[p] = v2 if agree else 'unclear'
            self.check('%s %s: %s, all three witnesses agree' % (t, NAMES[p], want or got[p]),
                       agree and v2 in ('lost', 'repaired') and (want is None or v2 == want),
                       '| L2 %s: %s | L1 %s: %s | QEMU %s: %s' % (
                           v2, d2, v1, d1, vq, dq))
            if got[p] == 'lost':
                self.evidence.append(('%s phase %s lost' % (t, p),
                                      e2 + e1 + ['QEMU: ' + dq]))
        # Where the reset found the used entries programmed: everywhere
        # but in B (its quiesce had the host tear MSI-X down) and in a
        # phase expected to repair that follows a lost one (S after N, F
        # after I where A is lost: the device is as that phase left it,
        # and must be repaired all the same; for R3 its Command and BAR0
        # too, which I does not restore). A, N and I always do: their
        # verdict is what the reset did to a working device.
        after_lost = {p: p != 'B' and bool(LIKE[p] and i and got[ph[i - 1]] == 'lost')
                      for i, p in enumerate(ph)}
        found = {p: p != 'B' and not after_lost[p] for p in ph}
        played = [c.reset_view(p, found[p]) for p in ph]
        self.check('%s the reset was played in %s: vfio_tool reset %s exited 0 '
                   'each time and logged what it did' % (t, listing(ph), c.reset),
                   all(ok for ok, _ in played), ' | '.join(d for _, d in played))
        used = c.used()
        hit = []
        for p in ph:
            ctrl, entries, _ = c.dump('%s-after-reset' % p)
            _, before, _ = c.dump('%s-before-reset' % p)
            regs = c.regs('%s-after-reset' % p)
            was = c.regs('%s-before-reset' % p)
            # In B the host had torn MSI-X down before the reset (checked
            # below): nothing was programmed for the reset to clear.
            programmed = not found[p] or all(before.get(i, (0,))[0] for i in used)
            if c.reset == 'R3':
                # the whole function reset: Enable, Command and the BARs
                # cleared (the table then does not decode: all ones), from
                # Memory enabled and BAR0 assigned
                hit.append(bool(
                    ctrl is not None and used and ctrl[0] == 0 and programmed and
                    'command' in regs and 'bar0' in regs and
                    (after_lost[p] or was.get('command', 0) & 0x2 and was.get('bar0', 0) & ~0xf) and
                    regs['command'] & 0x6 == 0 and regs['bar0'] & ~0xf == 0))
            else:
                hit.append(bool(
                    ctrl is not None and used and programmed and
                    all(entries.get(i, (1, 1))[:2] == (0, 0) for i in used) and
                    ctrl[0] == (0 if c.reset == 'R2' or p == 'B' else 1)))
        fresh = '(%s)' % ', '.join(p for p in ph if found[p])
        what = {'R1': 'every used entry programmed before %s, zero after, Enable kept' % fresh,
                'R2': 'every used entry programmed before %s, zero after, Enable cleared'
                      % fresh,
                'R3': 'every used entry programmed before %s, Memory enabled and BAR0 '
                      'assigned%s; after, MSI-X Enable, Memory and Bus Master cleared and BAR0 '
                      'unassigned' % (fresh, ' (%s)' % ', '.join(p for p in ph if not after_lost[p])
                                      if any(after_lost.values()) else '')}[c.reset]
        self.check('%s the reset hit the device in %s: %s' % (t, listing(ph), what),
                   used and all(hit), 'used %s, %s' % (
                       sorted(used), ', '.join('%s %s' % x for x in zip(ph, hit))))
        ctrl, entries, _ = c.dump('B-before-reset')
        self.check('%s B: at the reset the host had already torn MSI-X down '
                   '(Enable 0, used entries zero)' % t,
                   ctrl is not None and ctrl[0] == 0 and
                   all(entries.get(i, (1,))[0] == 0 for i in used),
                   'B-before-reset: %s %s' % (ctrl, entries))
        self.check('%s N does what A does, both clear verdicts (N lost wherever A is: '
                   'the test can fail)' % t,
                   got['A'] in ('lost', 'repaired') and got['N'] == got['A'],
                   'A %s, N %s' % (got['A'], got['N']))
        _, _, before, after, _ = c.qemu_view('B')
        whole = c.whole('B')
        self.check('%s B: QEMU did vfio_msix_disable before the reset and '
                   'vfio_msix_enable after' % t,
                   whole and 'vfio_msix_disable' in before and 'vfio_msix_enable' in after,
                   'markers %s; before: %s; after: %s' % (
                       'whole' if whole else 'missing', summary(before), summary(after)))
        self.edges(c, t, 'A', 'the stock restore')
        calls = [s for s in c.l2 if re.search(
            r'msix_resync_vfio: phase B: msix_resync_(quiesce|resume): ', s)]
        self.check('%s B: msix_resync_quiesce() and msix_resync_resume() '
                   'return 0' % t,
                   len(calls) == 2 and all(s.endswith(': 0') for s in calls),
                   calls)
        self.after_the_fact(c, t, ph, got)

    def after_the_fact(self, c, t, ph, got):
        """The after-the-fact phases' own checks, for those the cell ran:
        QEMU's witness of what each did to MSI-X (S, T, F: Enable 1->0->1
        after the restore, so vfio_msix_disable and then vfio_msix_enable;
        I: neither, as A), I's verdict that of A, and the library's call
        in S and F returning 0."""
        for p in (p for p in ph if p in COLUMN):
            self.edges(c, t, p, 'its restore')
        if 'I' in ph and c.core and c.reset == 'R3':
            self.check('%s I lost, A repaired (the core-fixed restore repairs; iavf\'s '
                       'restores no Command or BAR0 after a bus reset)' % t,
                       got['A'] == 'repaired' and got['I'] == 'lost',
                       'A %s, I %s' % (got['A'], got['I']))
        elif 'I' in ph:
            self.check('%s I does what A does, both clear verdicts (iavf\'s restore is the '
                       'stock one)' % t,
                       got['A'] in ('lost', 'repaired') and got['I'] == got['A'],
                       'A %s, I %s' % (got['A'], got['I']))
        for p in (p for p in ph if p in 'SF'):
            calls = [s for s in c.l2 if re.search(
                r'msix_resync_vfio: phase %s: msix_resync_after_reset: ' % p, s)]
            self.check('%s %s: msix_resync_after_reset() returns 0' % (t, p),
                       len(calls) == 1 and calls[0].endswith(': 0'), calls)


    def edges(self, c, t, p, what):
        """QEMU's witness of what phase @p did to MSI-X (edge()): vfio_msix_disable
        and then vfio_msix_enable after the restore and neither before the
        reset; or neither at all, as the stock restore."""
        msix = {'vfio_msix_disable', 'vfio_msix_enable'}
        _, _, before, after, _ = c.qemu_view(p)
        whole = c.whole(p)
        how = 'markers %s; before: %s; after: %s' % (
            'whole' if whole else 'missing', summary(before), summary(after))
        if edge(c, p):
            off = after.index('vfio_msix_disable') if 'vfio_msix_disable' in after else None
            self.check('%s %s: QEMU did vfio_msix_disable and then vfio_msix_enable after '
                       'the restore, neither before the reset' % (t, p),
                       whole and not msix & set(before) and off is not None and
                       'vfio_msix_enable' in after[off + 1:], how)
        else:
            self.check('%s %s: %s makes QEMU neither disable nor enable MSI-X' % (t, p, what),
                       whole and not msix & set(before + after), how)


def matrix_rows(ck):
    """One MATRIX line per cell that passed every check, with the versions
    its own logs name, and a column for each after-the-fact phase it ran
    (COLUMN); a line without MATRIX for each other cell."""
    out = []
    for c, got in ck.cells:
        out.append('MATRIX qemu=%s host=%s vfio=%s l2=%s reset=%s stock=%s library=%s '
                   'control=%s' % (c.qemu, c.l1_release(), c.host, c.l2_release(), c.reset,
                                   got['A'], got['B'], got['N']) +
                   ''.join(' %s=%s' % (COLUMN[p], got[p]) for p in PHASES if p in COLUMN
                           and p in got))
    for c, n in ck.unclean:
        out.append('no matrix row for %s: %d of its checks failed' % (c.name, n))
    return out


def cell_arg(a):
    """CELLDIR or CELLDIR=RC -> Cell."""
    path, eq, rc = a.rpartition('=')
    if eq and path and re.fullmatch(r'\d+', rc):
        return Cell(path, int(rc))
    return Cell(a)


def main(argv):
    if argv[:1] == ['--selftest']:
        return selftest(*argv[1:2])
    evidence = '--evidence' in argv
    cells = [cell_arg(a) for a in argv if not a.startswith('--')]
    ck = Checker()
    for c in cells:
        ck.cell(c)
    for line in matrix_rows(ck):
        print(line)
    # the after-the-fact phases' columns, when a cell in the table ran them
    more = [p for p in PHASES if p in COLUMN and any(p in got for _, got in ck.cells)]
    heads = ''.join(' %s |' % HEAD[p] for p in more)
    cols = lambda got: ''.join(' %s |' % got.get(p, '-') for p in more)
    if len({(c.qemu, c.l1_release()) for c, _ in ck.cells}) > 1:
        print('\nThe matrix (L2 from linux-source-%s):' % '/'.join(
            sorted({c.series for c, _ in ck.cells})))
        print('| L2\'s QEMU | L1 host kernel | L2 | reset x host | A: stock | '
              'B: msix-resync | N: control |' + heads)
        print('|---|---|---|---|---|---|---|' + '---|' * len(more))
        for c, got in sorted(ck.cells, key=lambda x: (
                [int(n) for n in re.findall(r'\d+', x[0].qemu)], x[0].l1_release(),
                x[0].reset, x[0].host, x[0].core)):
            print('| %s | %s | %s | %s x %s | %s | %s | %s |' % (
                c.qemu, c.l1_release(), c.l2_release(), c.reset, c.host,
                got['A'], got['B'], got['N']) + cols(got))
    for series in sorted({c.series for c, _ in ck.cells if c.default and not c.core}):
        print('\nL2 kernel: Debian linux-source-%s; L1 host: Debian 6.12 '
              '(H1 as shipped, H0 the seed\'s host, H0L without the 3.18 '
              'rewrite only)' % series)
        print('| reset x host | A: stock restore | B: msix-resync | '
              'N: control |%s expected A / B |' % heads)
        print('|---|---|---|---|---|' + '---|' * len(more))
        # the default stack's cells only: in the matrix other QEMUs and
        # L1s run the same series, reset and host
        here = {(c.reset, c.host): got for c, got in ck.cells
                if c.default and c.series == series and not c.core}
        for key in EXPECT:  # in the order
            got = here.get(key)
            if not got:
                continue
            print('| %s x %s | %s | %s | %s |%s %s / %s |' % (
                key[0], key[1], got['A'], got['B'], got['N'], cols(got), *EXPECT[key]))
    if evidence:
        for title, lines in ck.evidence:
            print('\n%s:' % title)
            for s in lines:
                print('    ' + s.strip())
    print('\n%d passed, %d failed' % (ck.passed, ck.failed))
    return 1 if ck.failed else 0


# --- the checker's self-test -------------------------------------------
SELFTEST = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'selftest')
FILES = {'l1': 'l1-console.log', 'l2': 'l2-console.log', 'trace': 'l2-qemu-trace.log',
         'rc': 'run.rc', 'md5': 'host-modules.md5'}


def drop(rx):
    """Delete the lines that match."""
    return lambda lines: [s for s in lines if not re.search(rx, s)]


def sub(rx, repl):
    return lambda lines: [re.sub(rx, repl, s) for s in lines]


def cut(rx):
    """Keep the lines before the first that matches, and that one."""
    def edit(lines):
        for i, s in enumerate(lines):
            if re.search(rx, s):
                return lines[:i + 1]
        return lines
    return edit


def add(rx, text):
    """Insert a line after the first that matches."""
    def edit(lines):
        i = next(i for i, s in enumerate(lines) if re.search(rx, s))
        return lines[:i + 1] + [text] + lines[i + 1:]
    return edit


def empty(lines):
    return []


def drop_after(marker, rx):
    """Delete the first line that matches @rx after the first that
    matches @marker."""
    def edit(lines):
        i = next(i for i, s in enumerate(lines) if re.search(marker, s))
        j = next(j for j in range(i + 1, len(lines)) if re.search(rx, lines[j]))
        return lines[:j] + lines[j + 1:]
    return edit


def bad_args(path):
    """vfio-run.sh with a wrong argument, over the old cell's directory."""
    env = dict(os.environ, MSIX_RESYNC_CACHE=os.path.join(os.path.dirname(path), 'cache'))
    run = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'scripts',
                       'vfio-run.sh')
    subprocess.run(['bash', run, '6.12', 'R9', 'H1', path], env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=60, check=False)


R2, R1H0, R3, CORE = '6.12-R2-H1', '6.12-R1-H0', '6.12-R3-H1', '6.12+core-R2-H1'
POWER = 'qsid-h6.12-6.12-R2-H1'  # make vfio-power's R2 cell (pseries)
MARK = r'vfio_pci_write_config.*@0xc, 0x%s, len=0x1'


def asks(phases, cell=R2):
    """The kernel command lines the trimming left out of the cell's logs
    (L2's "Kernel command line:", L1's "Command line:", as each kernel
    prints them), with msixr.phases=PHASES: (file, edit) for L2 and L1."""
    reset, host = cell.split('-')[1:3]
    dev = 'e1000e' if reset == 'R3' else 'nvme'
    return (('l2', add(r'Linux version', '[    0.000000] Kernel command line: console=ttyS0 '
                       'panic=-1 loglevel=7 nvme_core.io_timeout=3 nvme_core.admin_timeout=3 '
                       'msixr.phases=%s msixr.dev=%s  printk.devkmsg=on' % (phases, dev))),
            ('l1', add(r'Linux version', '[    0.000000] Command line: console=ttyS0 panic=-1 '
                       'loglevel=7 intel_iommu=on iomem=relaxed mitigations=off msixr.reset=%s '
                       'msixr.host=%s msixr.out=/work/out/vfio/%s msixr.phases=%s msixr.dev=%s  '
                       'printk.devkmsg=on' % (reset, host, cell, phases, dev))))


# (what, the measured cell it doctors, the checks that must fail, the
# edits: (file, edit)..., and optionally the cell's name, the exit status
# its caller saw, something to run on it)
DOCTORED = [
    # issue 28: a pseries cell (make vfio-power) has 2 vCPUs in L2 and
    # Debian's vfio-pci-core only; an x86 cell still needs its three hosts
    ('a pseries cell whose L2 brought up one vCPU', POWER, ['L2 ran SMP'],
     [('l2', sub(r'L2-CPUS 2', 'L2-CPUS 1'))]),
    ('a pseries cell with the lockup detector\'s Call Trace in L2', POWER, ['no BUG:'],
     [('l2', add(r'L2-CPUS', '[   14.097227] Call Trace:'))]),
    ('a pseries cell whose host list names a rebuilt host too', POWER, ['L1 runs host'],
     [('md5', add(r'^H1 ', 'H0 0123456789abcdef0123456789abcdef'))]),
    ('an x86 cell whose host list has Debian\'s only', R2, ['L1 runs host'],
     [('md5', drop(r'^H0'))]),
    # issue 26: the L2 kernel with the PCI core's MSI-X restore fixed
    ('a core cell whose L2 is the stock kernel (no -core release)', CORE,
     ['ran what its name asks for'],
     [('l2', sub(r'6\.12\.118-core', '6.12.118'))]),
    ('a core cell whose A restore showed QEMU no Enable edge (vfio_msix_disable and '
     'vfio_msix_enable after A\'s restore deleted)', CORE,
     ['A: QEMU did vfio_msix_disable and then vfio_msix_enable after the restore'],
     [('trace', drop_after(MARK % '12', r'vfio_msix_disable')),
      ('trace', drop_after(MARK % '12', r'vfio_msix_enable'))]),
    # issue 25, 2: phase B's reset is verified as A's and N's
    ('B\'s bus reset failed: vfio_tool reset exited 1', R3, ['the reset was played'],
     [('l1', sub(r'(L1-RESET B rc=)0 .*', r'\g<1>1 ')),
      ('l1', add(r'L1-RESET B rc=', 'vfio_tool: cannot write Bridge Control of '
                 '/sys/devices/pci0000:00/0000:00:03.0/config: Input/output error'))]),
    ('B\'s reset line missing (vfio_tool died before it)', R3, ['the reset was played'],
     [('l1', drop(r'L1-RESET B '))]),
    ('B\'s bus reset left Command and BAR0 as they were', R3, ['the reset hit the device'],
     [('l1', sub(r'(L1-DUMP B-after-reset .*)command=\S+ bar0=\S+',
                 r'\g<1>command=0x0507 bar0=0xfe640000'))]),
    ('A\'s dump after the bus reset shows no Command or BAR0', R3,
     ['the reset hit the device'],
     [('l1', sub(r'(L1-DUMP A-after-reset .*) command=\S+ bar0=\S+', r'\g<1>'))]),
    ('B\'s R2 failed: vfio_tool reset exited 1', R2, ['the reset was played'],
     [('l1', sub(r'(L1-RESET B rc=)0 .*', r'\g<1>1 '))]),
    ('the reset lines of an L1 init that ignores vfio_tool\'s exit status', R2,
     ['the reset was played'], [('l1', sub(r'L1-RESET [ABN] rc=0 ', 'L1-RESET '))]),
    ('R2 left MSI-X Enable set in A', R2, ['the reset was played'],
     [('l1', sub(r'(L1-RESET A rc=0 R2 zeroed=\d+ ctrl=\S+->)0x0\w+', r'\g<1>0x8040'))]),
    # 3: the QEMU witness judges a phase only when the trace holds it whole
    ('A\'s markers deleted from QEMU\'s trace', R2,
     ['A stock', 'A: the stock restore makes QEMU neither'],
     [('trace', drop(MARK % '1[123]'))]),
    ('N\'s markers deleted from QEMU\'s trace', R2, ['N control'],
     [('trace', drop(MARK % '3[123]'))]),
    ('an empty QEMU trace', R2,
     ['A stock', 'B msix-resync', 'N control', 'A: the stock restore', 'B: QEMU did'],
     [('trace', empty)]),
    ('QEMU\'s trace cut after N\'s restore marker', R2, ['N control'],
     [('trace', cut(MARK % '32'))]),
    ('QEMU\'s trace without N\'s end marker', R3, ['N control'],
     [('trace', drop(MARK % '33'))]),
    ('QEMU\'s trace cut after A\'s restore marker', R3,
     ['A stock', 'B msix-resync', 'N control'], [('trace', cut(MARK % '12'))]),
    # 4: the versions a cell ran are those its name asks for; a bad line
    # in a log leaves it out of the matrix
    ('a trixie, L1 6.1 cell that logged QEMU 7.2 and L1 6.12', R2,
     ['ran what its name asks for'], [], 'qtrixie-h6.1-' + R2),
    ('a bookworm cell that logged QEMU 10.0', R2, ['ran what its name asks for'],
     [('l1', sub(r'version 7\.2\.\d+', 'version 10.0.13'))], 'qbookworm-h6.12-' + R2),
    ('an L1 6.1 cell that logged L1 6.12', R3, ['ran what its name asks for'], [],
     'qbookworm-h6.1-' + R3),
    ('a 6.12 cell whose L2 kernel is 6.1', R2, ['ran what its name asks for'],
     [('l2', sub(r'L2-START \S+', 'L2-START 6.1.192'))]),
    ('a cell of a suite the checker does not know', R2, ['ran what its name asks for'], [],
     'qbuster-h6.12-' + R2),
    ('a sid cell that logged a QEMU older than sid\'s (7.2)', R2,
     ['ran what its name asks for'], [], 'qsid-h6.12-' + R2),
    ('L2 logged a general protection fault', R2, ['no BUG:'],
     [('l2', add(r'L2-PHASE N irq-after', '[  301.000001] general protection fault, '
                 'probably for non-canonical address 0xdead000000000100: 0000 [#1] SMP'))],
     'qbookworm-h6.12-' + R2),
    ('L2 logged a UBSAN report (a bad line of kunit_results.bad_lines() only)', R3,
     ['no BUG:'],
     [('l2', add(r'L2-PHASE B irq-after', '[  201.000001] UBSAN: array-index-out-of-bounds '
                 'in drivers/pci/msi/msi.c:612:12'))]),
    ('L1 logged a WARNING:', R1H0, ['no BUG:'],
     [('l1', add(r'L1-RESET N ', '[   99.000001] WARNING: CPU: 0 PID: 1 at '
                 'drivers/vfio/pci/vfio_pci_intrs.c:300 vfio_msi_set_vector_signal'))]),
    # 9: a run that failed is judged failed, whatever its directory holds
    ('a run whose vfio-run.sh failed, its old run.rc saying 0', R2, ['ran to the end'],
     [], None, 1),
    ('a run without run.rc', R2, ['ran to the end'], [('rc', None)]),
    ('an old passing cell after vfio-run.sh stopped at a wrong argument', R2,
     ['ran to the end'], [], None, None, bad_args),
    # 10: "N is lost wherever A is" needs two clear verdicts
    ('A and N both unclear (the nvme timeouts deleted)', R2, ['N does what A does'],
     [('l2', drop(r'QID 1 timeout'))]),
    ('A and N both unclear (the nvme timeouts deleted)', R1H0, ['N does what A does'],
     [('l2', drop(r'QID 1 timeout'))]),
    # issue 26: a cell ran the phases it was asked for, no fewer, no other
    ('both command lines ask for A,B,N,S; L2 ran A, B and N', R2,
     ['ran the phases it was asked for'], list(asks('A,B,N,S'))),
    ('L1\'s command line asks for A,B,N,S,T,I,F, L2\'s for A,B,N', R3,
     ['ran the phases it was asked for'],
     [asks('A,B,N', R3)[0], asks('A,B,N,S,T,I,F', R3)[1]]),
    ('N\'s markers rewritten as S\'s (0x4P): the trace marks a phase not asked for', R2,
     ['ran the phases it was asked for'],
     [('trace', sub(r'(vfio_pci_write_config.*@0xc, 0x)3([123], len=0x1)', r'\g<1>4\2'))]),
    ('asked for A,B only (not a plan: A, B and N come first), N\'s lines gone from L2\'s log',
     R1H0, ['ran the phases it was asked for'],
     list(asks('A,B', R1H0)) + [('l2', drop(r'L2-PHASE N '))]),
]


def judge_copy(tmp, base, edits=(), name=None, exit=None, hook=None):
    """Copy a measured cell into the directory tmp, doctor it, judge it:
    the Checker, and whether each edit changed its file."""
    path = os.path.join(tmp, name or base)
    shutil.copytree(os.path.join(SELFTEST, base), path)
    changed = []
    for f, edit in edits:
        fn = os.path.join(path, FILES[f])
        if edit is None:
            os.remove(fn)
            changed.append(True)
            continue
        with open(fn, errors='replace') as fh:
            lines = fh.read().splitlines()
        doctored = edit(lines)
        changed.append(doctored != lines)
        with open(fn, 'w') as fh:
            fh.write(''.join(s + '\n' for s in doctored))
    if hook:
        hook(path)
    ck = Checker(quiet=True)
    ck.cell(Cell(path, exit))
    return ck, all(changed)


def selftest(keep=None):
    """keep: a directory to leave the doctored cells in (CASE/CELL), to
    read them or judge them otherwise; a temporary one by default."""
    passed = failed = 0

    def verdict(ok, what):
        nonlocal passed, failed
        print('%s vfio selftest: %s' % ('PASS' if ok else 'FAIL', what))
        passed, failed = passed + ok, failed + (not ok)

    measured = sorted(d for d in os.listdir(SELFTEST)
                      if os.path.isdir(os.path.join(SELFTEST, d)))
    with tempfile.TemporaryDirectory() as scratch:
        tmp = keep or scratch
        cases = iter('%02d' % i for i in range(100))
        # The archive moves (issue 23): a newer point release of a stable
        # suite's QEMU, or a newer QEMU in sid, is what the name asks for.
        moved = [(R2, 'qbookworm-h6.12-' + R2,
                  [('l1', sub(r'version 7\.2\.\d+', 'version 7.2.99'))], ', QEMU 7.2.99'),
                 (R2, 'qsid-h6.12-' + R2,
                  [('l1', sub(r'version 7\.2\.\d+', 'version 11.2.0'))], ', QEMU 11.2.0')]
        # The kernel command lines the trimming left out, as L1's and L2's
        # kernels print them, asking for vfio-run.sh's default phases.
        asked = [(b, None, asks('A,B,N', b), ', its command lines asking for A,B,N')
                 for b in (R2, R3)]
        for base, name, edits, how in ([(b, None, (), '') for b in measured] +
                                       [(R2, 'qbookworm-h6.12-' + R2, (), '')] + moved +
                                       asked):
            ck, changed = judge_copy(os.path.join(tmp, next(cases)), base, edits, name=name)
            bad_ones = [s for ok, s in ck.results if not ok]
            verdict(changed and not bad_ones and len(ck.cells) == 1,
                    'measured cell %s%s%s passes every check, with its MATRIX row%s' % (
                        base, ' named %s' % name if name else '', how,
                        (': ' + ' | '.join(bad_ones[:3])) if bad_ones else ''))
        for what, base, aims, edits, *more in DOCTORED:
            try:
                ck, changed = judge_copy(os.path.join(tmp, next(cases)), base, edits, *more)
            except Exception as e:  # a crash is no verdict
                verdict(False, 'doctored input (%s: %s) is rejected: the checker crashed: %r'
                        % (base, what, e))
                continue
            fails = [s for ok, s in ck.results if not ok]
            missed = [a for a in aims if not any(a in s for s in fails)]
            verdict(changed and not missed and not ck.cells,
                    'doctored input (%s: %s) is rejected%s' % (
                        base, what, '' if changed and not missed and not ck.cells else
                        ': an edit changed nothing' if not changed else
                        ': %s did not fail%s' % (missed, ', it has a MATRIX row'
                                                 if ck.cells else '')))
    print('vfio selftest: %d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
