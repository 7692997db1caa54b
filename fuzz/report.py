#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Print the figures of a fuzz run: executions, seconds, exec/s, crashes,
libFuzzer's coverage (cov: edges, ft: features), line coverage of the pure
sources (an llvm-cov report) and the corpus size.

usage: report.py --log LOG [--log LOG...] [--cov COV_REPORT] CORPUS_DIR...

Each LOG (a glob pattern) is one libFuzzer process's output (run with
-print_final_stats=1; with -jobs, each job's fuzz-N.log): executions
and exec/s are summed over them, seconds and coverage taken from the
longest; a crash is an input libFuzzer wrote out (crash-, leak-,
timeout-, oom-).
"""
import argparse
import glob
import os
import re
import sys


def parse_log(path):
    """Figures of one libFuzzer log; None where the log has none."""
    r = {'execs': None, 'secs': None, 'rate': None, 'cov': None,
         'ft': None, 'corp': None, 'corp_size': None, 'found': []}
    try:
        text = open(path, errors='replace').read()
    except OSError:
        return r
    r['found'] = re.findall(r'Test unit written to (\S+)', text)
    m = re.search(r'stat::number_of_executed_units:\s*(\d+)', text)
    if m:
        r['execs'] = int(m.group(1))
    m = re.search(r'stat::average_exec_per_sec:\s*(\d+)', text)
    if m:
        r['rate'] = int(m.group(1))
    m = re.search(r'Done (\d+) runs in (\d+) second', text)
    if m:
        r['secs'] = int(m.group(2))
        if r['execs'] is None:
            r['execs'] = int(m.group(1))
    # The last status line (DONE, or the last before a crash).
    for m in re.finditer(r'^#(\d+)\s+\S+\s+cov: (\d+) ft: (\d+) '
                         r'corp: (\d+)/(\S+)', text, re.M):
        if r['execs'] is None or int(m.group(1)) > r['execs']:
            r['execs'] = int(m.group(1))
        r['cov'], r['ft'] = int(m.group(2)), int(m.group(3))
        r['corp'], r['corp_size'] = int(m.group(4)), m.group(5)
    return r


def line_cov(path):
    """(covered, total, percent) of lines from the TOTAL row, or None."""
    try:
        lines = open(path).read().splitlines()
    except OSError:
        return None
    head = next((l.split() for l in lines if l.startswith('Filename')),
                None)
    total = next((l.split() for l in lines if l.startswith('TOTAL')), None)
    if not head or not total:
        return None
    # Header words: Filename Regions Missed Regions Cover Functions
    # Missed Functions Executed Lines Missed Lines Cover Branches ...;
    # TOTAL has one number per column: lines are the 7th and 8th.
    lines_total, lines_missed = int(total[7]), int(total[8])
    return (lines_total - lines_missed, lines_total, total[9])


def dir_size(d):
    n = size = 0
    for e in os.scandir(d):
        if e.is_file():
            n += 1
            size += e.stat().st_size
    return n, size


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--log', action='append', default=[])
    ap.add_argument('--cov')
    ap.add_argument('corpus', nargs='*')
    a = ap.parse_args()

    logs = [parse_log(p) for g in a.log for p in sorted(glob.glob(g))]
    logs = [r for r in logs if r['execs'] is not None] or [parse_log('')]
    execs = sum(r['execs'] or 0 for r in logs)
    rate = sum(r['rate'] or 0 for r in logs)
    main_log = max(logs, key=lambda r: r['secs'] or 0)
    secs = main_log['secs']
    if not rate and secs:
        rate = execs // max(secs, 1)
    found = [f for r in logs for f in r['found']]

    def fig(v):
        return '?' if v is None else str(v)

    print(f'fuzz: {execs} executions in {fig(secs)} s, {rate} exec/s, '
          f'crashes {len(found)}' + ''.join(' ' + f for f in found))
    cov = 'fuzz: coverage: libFuzzer cov %s edges, ft %s features' % (
        fig(main_log['cov']), fig(main_log['ft']))
    lc = line_cov(a.cov) if a.cov else None
    if lc:
        cov += '; kmod/core lines %d/%d (%s)' % lc
    print(cov)
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parts = []
    if main_log['corp'] is not None:
        parts.append(f"{main_log['corp']} inputs ({main_log['corp_size']})"
                     ' kept by libFuzzer')
    for d in a.corpus:
        if os.path.isdir(d):
            n, size = dir_size(d)
            name = os.path.relpath(d, top)
            if name.startswith('..'):
                name = d
            parts.append(f'{name} {n} files ({size // 1024} KiB)')
    print('fuzz: corpus: ' + '; '.join(parts))
    return 0


if __name__ == '__main__':
    sys.exit(main())
