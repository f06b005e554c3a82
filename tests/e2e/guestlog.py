# SPDX-License-Identifier: GPL-2.0
"""Parse what one guest run left: the guest's console and QEMU's trace.

The test driver writes a marker byte (0x80 | n) to the device's
PCI_CACHE_LINE_SIZE at each step and logs "MARK 0x.. label"; QEMU traces
the same write as pci_cfg_write. Both streams are cut at the markers, so
that an assertion can ask what QEMU saw between two steps.
"""

import re

MARK_RE = re.compile(r'(?:msix_resync_e2e|msix_resync_consumer|ipr_kunit): MARK (0x[0-9a-f]+) (\S+)')
CFG_RE = re.compile(r'pci_cfg_write (\S+) (\S+) @(0x[0-9a-f]+) <- (0x[0-9a-f]+)')
MSIX_RE = re.compile(r'msix_write_config dev (\S+) enabled (\d) masked (\d)')
NOTIFY_RE = re.compile(r'e1000e_irq_msix_notify_vec MSI-X notify vector (0x[0-9a-f]+)')
OBS_RE = re.compile(r'msix_resync_e2e: OBS (\S+) vec=(\d+) hwmask=(\d) msimask=(\d) '
                    r'irqmask=(\d) addr=([0-9a-f]+) data=([0-9a-f]+) '
                    r'cached=([0-9a-f]+)/([0-9a-f]+)')
CTRL_RE = re.compile(r'msix_resync_e2e: CTRL (\S+) enable=(\d) maskall=(\d)')
RET_RE = re.compile(r'msix_resync_e2e: RET (\S+) (-?\d+)')
IRQ_RE = re.compile(r'msix_resync_e2e: IRQ (\S+) vec=(\d+) delivered=(-?\d+)')
BAD_RE = re.compile(r'BUG:|WARNING:|Oops|Call Trace|INSMOD-FAILED|NO-TRACEPOINTS')
TP_RE = re.compile(r'^TRACEPOINT msix_resync_(\w+): (.*)$')
# Writes to memory regions: the device's MSI-X table, and the host
# bridge's config mechanisms (type 1 ports 0xcf8/0xcfc, ECAM), which QEMU
# traces even for a bus number nothing answers on.
MMIO_RE = re.compile(r"memory_region_ops_write .*addr (0x[0-9a-f]+) value (0x[0-9a-f]+) "
                     r"size (\d+) name '(msix-table|pcie-mmcfg-mmio|pci-conf-idx|pci-conf-data)'")

DEVICE = 'e1000e'


class Run:
    def __init__(self, console_path, trace_path):
        with open(console_path, errors='replace') as f:
            self.console = f.read().splitlines()
        with open(trace_path, errors='replace') as f:
            self.trace = f.read().splitlines()
        self.labels = {}        # marker value -> label
        self.console_at = {}    # label -> console line index
        for i, line in enumerate(self.console):
            m = MARK_RE.search(line)
            if m:
                if m.group(2) in self.console_at:
                    raise ValueError('label %s marked twice' % m.group(2))
                self.labels[int(m.group(1), 16)] = m.group(2)
                self.console_at[m.group(2)] = i
        self.events = []        # (kind, fields...) in trace order
        self.trace_at = {}      # label -> event index
        conf1 = 0               # the last CONFIG_ADDRESS written to 0xcf8
        for line in self.trace:
            m = CFG_RE.search(line)
            if m and m.group(1) == DEVICE:
                off, val = int(m.group(3), 16), int(m.group(4), 16)
                if off == 0xc and val in self.labels:
                    self.trace_at[self.labels[val]] = len(self.events)
                    self.events.append(('mark', self.labels[val]))
                    continue
                last = [e for e in self.events[-3:] if e[0] != 'ecam']
                if off == 0xc and val & 0x80 == 0 and last and last[-1][0] == 'mark':
                    continue    # the marker's own undo write
                self.events.append(('cfg', off, val))
                continue
            m = MSIX_RE.search(line)
            if m and m.group(1) == DEVICE:
                self.events.append(('msix', int(m.group(2)), int(m.group(3))))
                continue
            m = NOTIFY_RE.search(line)
            if m:
                self.events.append(('notify', int(m.group(1), 16)))
                continue
            m = MMIO_RE.search(line)
            if m:
                addr, val = int(m.group(1), 16), int(m.group(2), 16)
                if m.group(4) == 'msix-table':
                    self.events.append(('table', addr, val))
                elif m.group(4) == 'pci-conf-idx':
                    conf1 = val
                elif m.group(4) == 'pci-conf-data':
                    if conf1 & 0x80000000:  # bus, devfn, register
                        self.events.append(('ecam', (conf1 >> 16) & 0xff, (conf1 >> 8) & 0xff,
                                            (conf1 & 0xfc) + (addr & 3), val))
                else:   # ECAM: bus << 20 | devfn << 12 | register
                    self.events.append(('ecam', addr >> 20, (addr >> 12) & 0xff,
                                        addr & 0xfff, val))
        self.tracepoints = []  # (event, {field: value}) from tracefs
        for line in self.console:
            m = TP_RE.match(line.strip())
            if m:
                fields = dict(kv.split('=', 1) for kv in
                              m.group(2).replace(' -> ', ' to ').split()
                              if '=' in kv)
                # quiesce/resume print enable/maskall twice: before -> after
                parts = m.group(2).split(' -> ')
                if len(parts) == 2:
                    after = dict(kv.split('=', 1) for kv in parts[1].split())
                    fields['enable_after'] = after['enable']
                    fields['maskall_after'] = after['maskall']
                    before = dict(kv.split('=', 1) for kv in parts[0].split())
                    fields['enable'], fields['maskall'] = before['enable'], before['maskall']
                self.tracepoints.append((m.group(1), fields))
        self.rets = {}
        self.obs = {}
        self.ctrl = {}
        self.irqs = {}
        for line in self.console:
            m = RET_RE.search(line)
            if m:
                self.rets[m.group(1)] = int(m.group(2))
            m = OBS_RE.search(line)
            if m:
                self.obs.setdefault(m.group(1), {})[int(m.group(2))] = {
                    'hwmask': int(m.group(3)), 'msimask': int(m.group(4)),
                    'irqmask': int(m.group(5)), 'addr': m.group(6),
                    'data': m.group(7), 'cached': (m.group(8), m.group(9))}
            m = CTRL_RE.search(line)
            if m:
                self.ctrl[m.group(1)] = (int(m.group(2)), int(m.group(3)))
            m = IRQ_RE.search(line)
            if m:
                self.irqs.setdefault(m.group(1), {})[int(m.group(2))] = int(m.group(3))

    def between(self, a, b):
        """QEMU's events (no markers) after marker a, before marker b."""
        i, j = self.trace_at[a], self.trace_at[b]
        return [e for e in self.events[i + 1:j] if e[0] not in ('mark', 'ecam')]

    def ecam_between(self, a, b):
        """Config writes as the host bridge got them, (bus, devfn, register,
        value), between two markers: ECAM or ports 0xcf8/0xcfc."""
        i, j = self.trace_at[a], self.trace_at[b]
        return [e[1:] for e in self.events[i + 1:j] if e[0] == 'ecam']

    def log_between(self, a, b, pattern):
        i, j = self.console_at[a], self.console_at[b]
        return [l for l in self.console[i + 1:j] if re.search(pattern, l)]

    def bad_lines(self):
        return [l for l in self.console if BAD_RE.search(l)]

    def done(self):
        return any('msix_resync_e2e: DONE' in l for l in self.console)
