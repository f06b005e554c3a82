#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Trim an e2e guest run (OUTDIR of scripts/guest-run.sh) into the harness's
fixture: the console lines tests/e2e/check.py reads, and the QEMU trace
events tests/e2e/guestlog.py parses, each shortened to the fields parsed
(the host bridge's config cycles only for bus 1, the e1000e's).

    trim_e2e.py OUTDIR FIXTURE-DIR
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'e2e'))
import guestlog as g  # noqa: E402


def trim_trace(lines):
    out, bus1 = [], False
    for line in lines:
        if g.CFG_RE.search(line) and ' %s ' % g.DEVICE in line:
            out.append(line[line.index('pci_cfg_write'):])
        elif g.MSIX_RE.search(line) and 'dev %s' % g.DEVICE in line:
            out.append(line[line.index('msix_write_config'):])
        elif g.NOTIFY_RE.search(line):
            out.append(line[line.index('e1000e_irq'):])
        else:
            m = g.MMIO_RE.search(line)
            if not m:
                continue
            short = "memory_region_ops_write addr %s value %s size %s name '%s'" % m.groups()
            if m.group(4) == 'pci-conf-idx':
                bus1 = (int(m.group(2), 16) >> 16) & 0xff == 1
                if bus1:
                    out.append(short)
            elif m.group(4) == 'pci-conf-data':
                if bus1:
                    out.append(short)
                bus1 = False
            else:
                out.append(short)
    return out


def main():
    src, dst = sys.argv[1], sys.argv[2]
    keep = re.compile(r'msix_resync|TRACEPOINT|INIT|' + g.BAD_RE.pattern)
    with open(os.path.join(src, 'console.log'), errors='replace') as f:
        con = [l.rstrip('\n') for l in f if keep.search(l)]
    with open(os.path.join(src, 'trace.log'), errors='replace') as f:
        tr = trim_trace(l.rstrip('\n') for l in f)
    os.makedirs(dst, exist_ok=True)
    for name, lines in (('console.log', con), ('trace.log', tr)):
        with open(os.path.join(dst, name), 'w') as f:
            f.write('\n'.join(lines) + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
