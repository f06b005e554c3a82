#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The mutants of lib/*.c, generated from the source as it is today.

Usage: mutagen.py TOP [--list | --lines | --selftest]

Operators, on code only (comments and string literals are skipped):
  rel     == <-> !=, < -> <=, > -> >=, <= -> <, >= -> >
  logic   && -> ||, || -> &&, a unary ! dropped
  mask    each PCI_* or MSIX_RESYNC_BITS constant replaced by 0, ENABLE
          and MASKALL swapped; each numeric literal other than 0 by 0
  return  the value returned replaced: an error by 0, 0 by -EIO, a
          pointer by NULL, an ERR_PTR() by another error, a bool negated,
          a u16 by 0 (0xffff for 0); a void return dropped
  call    each call statement (a whole statement, every line of it) dropped
  assign  each assignment of a non-constant replaced by 0, and each
          assignment of a state or mode constant replaced by another
  cond    each if () condition replaced by 0 and by 1

--list prints one mutant a line: ID<TAB>file:line<TAB>operator<TAB>the
change. --lines lists the code lines of lib/*.c no operator applies to,
with the reason (a declaration, a brace, a label, a preprocessor line).
Every line with a statement gets at least one mutant: --lines fails
(exit 1) if one does not.
"""

import os
import re
import sys

FILES = ('lib/api.c', 'lib/core.c')


def code_mask(text):
    """A copy of text with comments and string/char literals blanked
    (newlines kept), so that offsets and line numbers stay the same."""
    out = list(text)
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith('/*', i):
            j = text.find('*/', i + 2)
            j = n if j < 0 else j + 2
        elif text.startswith('//', i):
            j = text.find('\n', i)
            j = n if j < 0 else j
        elif c in '"\'':
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == '\\' else 1
            j += 1
            # keep the quotes, blank the contents
            for k in range(i + 1, j - 1):
                if out[k] != '\n':
                    out[k] = ' '
            i = j
            continue
        else:
            i += 1
            continue
        for k in range(i, j):
            if out[k] != '\n':
                out[k] = ' '
        i = j
    return ''.join(out)


class Mutant:
    def __init__(self, path, first, last, kind, new_lines, what):
        self.path, self.first, self.last = path, first, last	# 1-based, inclusive
        self.kind, self.new_lines, self.what = kind, new_lines, what
        self.id = None

    def applied(self, text):
        """The file's text with this mutant in it."""
        lines = text.split('\n')
        # as many lines as before: line numbers (and __LINE__) stay
        pad = self.last - self.first + 1 - len(self.new_lines)
        lines[self.first - 1:self.last] = self.new_lines + [''] * pad
        return '\n'.join(lines)

    def apply(self, tree):
        p = os.path.join(tree, self.path)
        with open(p) as f:
            text = f.read()
        with open(p, 'w') as f:
            f.write(self.applied(text))


RET_TYPE = re.compile(r'^(?:static\s+)?(?:const\s+)?([A-Za-z_][\w\s]*?[\s*]+)'
                      r'([A-Za-z_]\w*)\(')
KEYWORDS = {'if', 'for', 'while', 'switch', 'return', 'sizeof', 'case', 'else', 'do'}
MASK_CONST = re.compile(r'\b(PCI_MSIX_FLAGS_\w+|PCI_DEV_FLAGS_\w+|MSIX_RESYNC_BITS)\b')
NUMBER = re.compile(r'(?<![\w.])(0x[0-9a-fA-F]+|[1-9][0-9]*)(?![\w.])')
STATES = {'MSIX_RESYNC_IDLE': 'MSIX_RESYNC_QUIESCED',
          'MSIX_RESYNC_QUIESCED': 'MSIX_RESYNC_IDLE',
          'MSIX_RESYNC_MODE_MSIX': 'MSIX_RESYNC_MODE_INTX',
          'MSIX_RESYNC_MODE_MSI': 'MSIX_RESYNC_MODE_MSIX',
          'MSIX_RESYNC_MODE_INTX': 'MSIX_RESYNC_MODE_MSIX'}


def statements(masked):
    """(start offset, end offset) of each statement ending in ';' at
    brace/paren depth 0 relative to its start, with its first line's
    start; crude but enough for the kernel style lib/ is written in."""
    out = []
    start = None
    depth = 0
    ctl = False
    skip = 0
    for i, c in enumerate(masked):
        if skip:
            skip -= 1
            continue
        if start is None:
            if c.isspace() or c in '{}':
                continue
            start = i
            m = re.match(r'(else\s+)?(if|while|for|switch)\b|else\b', masked[i:i + 12])
            if m and not m.group(2):	# a bare else: the statement follows
                start = None
                ctl = False
                skip = 3
                continue
            ctl = bool(m)
        if c in '([':
            depth += 1
        elif c in ')]':
            depth -= 1
            if depth == 0 and ctl:	# the condition ends: the body starts
                start = None
                ctl = False
        elif c in '{}' and depth == 0:
            start = None		# a block or a function head, not a statement
            continue
        elif c == ';' and depth == 0:
            out.append((start, i + 1))
            start = None
    return out


def nth_line(lines, text, nth):
    """The index of the nth (from 1) line of @lines that reads @text once
    stripped, or None: how tests/mutants.txt, mutants-equivalent.txt and
    ipr-mutants.txt name a line."""
    hits = [i for i, l in enumerate(lines) if l.strip() == text]
    return hits[nth - 1] if 0 < nth <= len(hits) else None


def read_source(top, path):
    """A file of lib/ and its code_mask()."""
    with open(os.path.join(top, path)) as f:
        text = f.read()
    return text, code_mask(text)


def generate(top):
    muts = []
    for path in FILES:
        text, masked = read_source(top, path)
        lines = text.split('\n')
        mlines = masked.split('\n')
        line_of = []
        for ln, l in enumerate(mlines, 1):
            line_of.extend([ln] * (len(l) + 1))
        offs = [0]
        for l in mlines:
            offs.append(offs[-1] + len(l) + 1)

        def one(ln, col, old, new, kind, what):
            src = lines[ln - 1]
            assert src[col:col + len(old)] == old, (path, ln, old)
            muts.append(Mutant(path, ln, ln, kind,
                               [src[:col] + new + src[col + len(old):]], what))

        # the function each line is in, for return types
        rtype = {}
        cur = None
        for ln, l in enumerate(mlines, 1):
            m = RET_TYPE.match(l)
            if m and not l.startswith((' ', '\t', '#')):
                cur = ' '.join(m.group(1).split())
            if l.startswith('}'):
                rtype[ln] = cur
                cur = None
            rtype[ln] = cur

        for ln, l in enumerate(mlines, 1):
            s = l.strip()
            if not s or s.startswith('#') and not s.startswith('#define'):
                continue
            # rel
            for m in re.finditer(r'==|!=|<=|>=|(?<![<>-])[<>](?![<>=])', l):
                op = m.group(0)
                if op in '<>' and s.startswith('#'):
                    continue
                new = {'==': '!=', '!=': '==', '<': '<=', '>': '>=',
                       '<=': '<', '>=': '>'}[op]
                one(ln, m.start(), op, new, 'rel', '%s -> %s' % (op, new))
            # logic
            for m in re.finditer(r'&&|\|\|', l):
                new = '||' if m.group(0) == '&&' else '&&'
                one(ln, m.start(), m.group(0), new, 'logic',
                    '%s -> %s' % (m.group(0), new))
            for m in re.finditer(r'!(?!=)', l):
                one(ln, m.start(), '!', '', 'logic', 'unary ! dropped')
            # mask constants and literals (not in EXPORT/trace names)
            for m in MASK_CONST.finditer(l):
                c = m.group(1)
                if re.match(r'\s*#define\s+%s\b' % c, l) and l.index(c) == m.start():
                    continue	# the macro's own name
                one(ln, m.start(), c, '0', 'mask', '%s -> 0' % c)
                sw = {'PCI_MSIX_FLAGS_ENABLE': 'PCI_MSIX_FLAGS_MASKALL',
                      'PCI_MSIX_FLAGS_MASKALL': 'PCI_MSIX_FLAGS_ENABLE'}.get(c)
                if sw:
                    one(ln, m.start(), c, sw, 'mask', '%s -> %s' % (c, sw))
            if not s.startswith('return'):
                for m in NUMBER.finditer(l):
                    one(ln, m.start(), m.group(1), '0', 'mask', '%s -> 0' % m.group(1))
            # cond
            m = re.match(r'(\s*(?:\}\s*else\s+)?if \()', l)
            if m:
                # the condition may span lines: find its closing paren
                o = offs[ln - 1] + m.end()
                depth, j = 1, o
                while depth:
                    depth += {'(': 1, ')': -1}.get(masked[j], 0)
                    j += 1
                eln = line_of[j - 1]
                ecol = j - 1 - offs[eln - 1]
                for v in ('0', '1'):
                    new = [lines[ln - 1][:m.end()] + v + lines[eln - 1][ecol:]]
                    muts.append(Mutant(path, ln, eln, 'cond', new,
                                       'if () condition -> %s' % v))

        # statement-level operators
        for a, b in statements(masked):
            ln, eln = line_of[a], line_of[b - 1]
            stmt = masked[a:b]
            flat = ' '.join(stmt.split())
            col = a - offs[ln - 1]
            ecol = b - offs[eln - 1]
            src_first, src_last = lines[ln - 1], lines[eln - 1]
            if flat.startswith(('#', 'EXPORT_', 'MODULE_')):
                continue
            # a declaration: its initialiser, if any, is mutated as an assignment
            dm = re.match(r'(?:static\s+)?(?:const\s+)?(?:struct\s+\w+|u16|int|bool|void|char)'
                          r'[\s*]+(?:const\s+)?(\w+)\s*(=.*)?;$', flat)
            if dm:
                if not dm.group(2) or '{' in dm.group(2) or '(' in flat.split('=')[0]:
                    continue
                flat_decl = flat
                flat = flat[dm.start(1):]
            m = re.match(r'return\b\s*(.*);$', flat)
            if m:
                val = m.group(1).strip()
                t = rtype.get(ln) or ''
                if val == '':
                    new = None
                elif t.endswith('*'):
                    em = re.match(r'ERR_PTR\((-E\w+)\)$', val)
                    new = 'NULL' if not em else 'ERR_PTR(%s)' % (
                        '-EINVAL' if em.group(1) == '-EIO' else '-EIO')
                elif t.startswith('bool'):
                    new = {'true': 'false', 'false': 'true'}.get(val, '!(%s)' % val)
                elif t.startswith('u16'):
                    new = '0xffff' if val == '0' else '0'
                else:
                    new = '-EIO' if val == '0' else '0'
                if new is None:
                    muts.append(Mutant(path, ln, eln, 'return',
                                       [src_first[:col] + ';' + src_last[ecol:]],
                                       'return; dropped'))
                else:
                    muts.append(Mutant(path, ln, eln, 'return',
                                       [src_first[:col] + 'return %s;' % new + src_last[ecol:]],
                                       'return %s -> %s' % (val[:40], new)))
                continue
            m = re.match(r'([A-Za-z_][\w>.-]*)\s*\(', flat)
            if m and m.group(1) not in KEYWORDS:
                new = [src_first[:col] + ';' + src_last[ecol:]] + [''] * 0
                muts.append(Mutant(path, ln, eln, 'call', new,
                                   'call %s() dropped' % m.group(1)))
                continue
            m = re.match(r'([*\w>.-]+(?:\[\w+\])?)\s*=\s*(.*);$', flat)
            if m and not m.group(0).startswith('=='):
                lhs, rhs = m.group(1), m.group(2).strip()
                if rhs in STATES:
                    new = '%s = %s;' % (lhs, STATES[rhs])
                elif rhs in ('0', 'NULL'):
                    new = '%s = %s;' % (lhs, '1' if rhs == '0' else rhs)
                    if rhs == 'NULL':
                        new = '%s = %s;' % (lhs, 'ERR_PTR(-EIO)')
                else:
                    new = '%s = 0;' % lhs
                    if lhs.startswith('rs') and rhs == 'pdev':
                        new = '%s = NULL;' % lhs
                if rhs in ('0xffff',):
                    new = '%s = 0;' % lhs
                if dm:		# keep the declaration's type
                    new = flat_decl[:dm.start(1)] + new
                    new = ' '.join(new.split())
                    if lhs.startswith('*'):
                        new = new.replace('* *', '*')
                muts.append(Mutant(path, ln, eln, 'assign',
                                   [src_first[:col] + new + src_last[ecol:]],
                                   '%s = %s -> %s' % (lhs, rhs[:40], new)))
    for i, m in enumerate(muts, 1):
        m.id = i
    return muts


def code_lines(top):
    """Each line of lib/*.c with code on it: (path, line, text, kind),
    kind 'stmt' for a line that belongs to a statement or a condition."""
    out = []
    for path in FILES:
        text, masked = read_source(top, path)
        lines = text.split('\n')
        mlines = masked.split('\n')
        head = define = macro = False
        for ln, l in enumerate(mlines, 1):
            s = l.strip()
            if not s:
                continue
            if macro or s.startswith('#'):
                macro = s.endswith('\\')
                out.append((path, ln, lines[ln - 1], 'preprocessor'))
                continue
            if define or s.startswith('static DEFINE_'):
                define = not s.endswith(';')
                out.append((path, ln, lines[ln - 1],
                            'declaration (a DEFINE_*() macro, with the kernel\'s defaults)'))
                continue
            if RET_TYPE.match(l) and not l.startswith((' ', '\t', '#')):
                head = True
            if head:
                if s.endswith('{') or s.endswith(';'):
                    head = False
                out.append((path, ln, lines[ln - 1], 'function head'))
                continue
            if re.match(r'(const\s+)?(struct\s+\w+|u16|int|bool|char|va_list)[\s*]+\w+(, \w+)*;$', s):
                why = 'declaration'
            elif re.match(r'struct \w+ \w+ = \{ \};$', s):
                why = 'declaration, zero-initialised'
            elif s.startswith('switch ('):
                why = 'switch (each case\'s statements are mutated)'
            elif s.startswith('#'):
                why = 'preprocessor'
            elif s in ('{', '}', '};', '} else {', 'else', 'break;') or re.match(r'case \w+:$', s):
                why = 'brace, else, case or break (control flow: the mutants of its condition)' \
                    if not s.startswith('case') else 'case label (another label is a duplicate case)'
            elif re.match(r'^(static |const |struct |u16 |int |bool |void |[\w ]+\*?\s*msix_resync)', l) \
                    and (s.endswith((',', ')', '{', '(')) or s.endswith(';') and '=' not in s):
                why = 'declaration'
            elif re.match(r'^\s+\[MSIX_RESYNC_FN_\w+\] = ', l):
                why = 'initialiser of a name table (the names are the log lines\' text)'
            elif s.startswith(('EXPORT_', 'MODULE_')):
                why = 'module metadata'
            else:
                why = None
            out.append((path, ln, lines[ln - 1], why))
    return out


def main():
    top = sys.argv[1]
    mode = sys.argv[2] if len(sys.argv) > 2 else '--list'
    muts = generate(top)
    if mode == '--list':
        for m in muts:
            print('%d\t%s:%d\t%s\t%s' % (m.id, m.path, m.first, m.kind, m.what))
        return 0
    if mode == '--lines':
        hit = set()
        for m in muts:
            for ln in range(m.first, m.last + 1):
                hit.add((m.path, ln))
        bad = 0
        for path, ln, src, why in code_lines(top):
            if (path, ln) in hit:
                continue
            if why:
                print('%s:%d\tnot mutated: %s\t%s' % (path, ln, why, src.strip()))
            else:
                bad += 1
                print('%s:%d\tNO MUTANT\t%s' % (path, ln, src.strip()))
        print('mutants: %d; code lines without one and no reason: %d' % (len(muts), bad))
        return 1 if bad else 0
    print('unknown mode %s' % mode, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main())
