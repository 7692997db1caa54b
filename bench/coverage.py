#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Per-test coverage of nf_pptp_alg from the .gcda files bench/coverage.sh
saved, and a greedy cover of the suite.

usage: coverage.py BUILD_DIR GCDA_DIR TEST...

BUILD_DIR is the instrumented module's build tree (sources, .o, .gcno);
GCDA_DIR/TEST/ holds the .gcda files of TEST, at the same relative paths.
An item is an executed source line ("helper.c:120") or a taken branch
("helper.c:120/b1"); a test covers the items its run executed.
"""
import json
import os
import shutil
import subprocess
import sys


def items_of(build, gcda_dir):
    """Items executed in one test's data."""
    got = set()
    for root, _, files in os.walk(gcda_dir):
        for name in files:
            if not name.endswith('.gcda'):
                continue
            rel = os.path.relpath(os.path.join(root, name), gcda_dir)
            obj_dir = os.path.dirname(os.path.join(build, rel))
            shutil.copyfile(os.path.join(root, name), os.path.join(build, rel))
            src = os.path.join(obj_dir, name[:-len('.gcda')] + '.c')
            out = subprocess.run(['gcov', '-b', '-i', '-t', '-o', obj_dir, src],
                                 cwd=obj_dir, capture_output=True, text=True,
                                 check=True).stdout
            for f in json.loads(out)['files']:
                path = os.path.relpath(os.path.join(obj_dir, f['file']), build)
                if not path.startswith('kmod/'):
                    continue	# inline functions of kernel headers
                for line in f['lines']:
                    if line['count'] <= 0:
                        continue
                    key = '%s:%d' % (path[len('kmod/'):], line['line_number'])
                    got.add(key)
                    for i, br in enumerate(line['branches']):
                        if br['count'] > 0:
                            got.add('%s/b%d' % (key, i))
            os.unlink(os.path.join(build, rel))
    return got


def main():
    build, gcda, tests = sys.argv[1], sys.argv[2], sys.argv[3:]
    cov = {}
    for t in tests:
        d = os.path.join(gcda, t)
        cov[t] = items_of(build, d) if os.path.isdir(d) else set()
    union = set().union(*cov.values())

    def lines(s):
        return sum(1 for i in s if '/b' not in i)

    print('%-26s %6s %8s %11s' % ('test', 'lines', 'branches', 'only it'))
    for t in tests:
        others = set().union(*(cov[o] for o in tests if o != t))
        only = cov[t] - others
        print('%-26s %6d %8d %5d/%-5d' % (t, lines(cov[t]),
              len(cov[t]) - lines(cov[t]), lines(only),
              len(only) - lines(only)))
    print('%-26s %6d %8d' % ('suite', lines(union), len(union) - lines(union)))

    # Greedy cover: take the test adding the most items until the union
    # is reached; ties go to the earlier test in the list.
    left, cover = set(union), []
    while left:
        best = max(tests, key=lambda t: len(cov[t] & left))
        cover.append((best, len(cov[best] & left)))
        left -= cov[best]
    print('\ngreedy cover (%d of %d tests):' % (len(cover), len(tests)))
    for t, gain in cover:
        print('  %-26s +%d' % (t, gain))
    rest = [t for t in tests if t not in dict(cover)]
    print('adds nothing beyond the cover: %s' % (' '.join(rest) or '-'))


if __name__ == '__main__':
    main()
