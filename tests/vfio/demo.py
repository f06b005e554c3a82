#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make demo's headline: one nested VFIO boot (scripts/vfio-run.sh), the
stock restore beside msix-resync, each with its witnesses' evidence.

Usage: demo.py CELLDIR
"""

import sys

from check import IO_VECTOR, Cell


def column(c, p):
    v2, _, _ = c.l2_view(p)
    v1, _, _ = c.l1_view(p)
    vq, _, before, after, irqs = c.qemu_view(p)
    _, _, timeouts, delta, ms = c.l2_facts(p)
    ctrl, used, zero, _, _ = c.l1_facts(p)
    toggles = [n for n in before + after if n in ('vfio_msix_disable', 'vfio_msix_enable')]
    return {
        'reads': '%d reads, %d timed out, %s ms max' % (len(ms), len(timeouts),
                                                      max(ms) if ms else '-'),
        'irq': 'nvme0q1 +%s' % ('?' if delta is None else delta),
        'l1': 'Enable %s, %d/%d used entries set' % (ctrl[0] if ctrl else '?',
                                                     len(used) - len(zero), len(used)),
        'qemu': '%s; %d irqs on vector %d' % (' -> '.join(toggles) or 'no Enable toggle',
                                              irqs, IO_VECTOR),
        'verdict': (v2 if v2 == v1 == vq else 'witnesses disagree').upper(),
    }


def main(path):
    c = Cell(path)
    if c.phases[:2] != ['A', 'B']:
        print('demo: the nested run did not complete; logs in %s' % path)
        return 1
    reset = {'R1': 'zeroes the used MSI-X entries',
             'R2': 'zeroes the used MSI-X entries and clears the physical MSI-X Enable'}
    host = {'H1': "Debian 6.12's vfio-pci as shipped", 'H0': "the seed's host",
            'H0L': 'vfio-pci without the 3.18 fix'}
    print('\n=== Headline ' + '=' * 66)
    print('msix-resync under a real VFIO assignment: L0 QEMU (TCG, intel-iommu) ->')
    print('L1 Linux %s (%s) assigns an nvme with vfio-pci ->' % (
        c.l1_release(), host[c.host]))
    print('L2 Linux %s runs the real nvme driver; L1 plays the backdoor reset (%s: %s).' % (
        c.l2_release(), c.reset, reset[c.reset]))
    a, b = column(c, 'A'), column(c, 'B')
    rows = [('', 'A: stock restore', 'B: msix-resync'),
            ('L2 reads after restore', a['reads'], b['reads']),
            ('L2 I/O vector', a['irq'], b['irq']),
            ('L1 physical table', a['l1'], b['l1']),
            ("L2's QEMU (vfio trace)", a['qemu'], b['qemu']),
            ('verdict', a['verdict'], b['verdict'])]
    wa = max(len(r[1]) for r in rows)
    for r in rows:
        print('  %-24s %-*s   %s' % (r[0], wa, r[1], r[2]))
    print('(logs: %s)' % path)
    ok = a['verdict'] == 'LOST' and b['verdict'] == 'REPAIRED'
    print('headline %s' % ('OK' if ok else 'UNEXPECTED: stock should be lost, '
                           'msix-resync repaired'))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
