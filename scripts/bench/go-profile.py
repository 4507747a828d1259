#!/usr/bin/env python3
"""Where a Go process's CPU goes, from `perf record -g` of a stripped binary such as the pinned
`temporal` CLI (docs/performance.md, "Where Temporal's CPU goes").

perf cannot name the functions of a stripped Go binary, but Go keeps its function table
(.gopclntab) for its own stack traces; this reads that table and attributes perf's samples.

    perf record -F 499 -g -p <pid> -o /tmp/perf.data -- sleep 20
    python3 scripts/bench/go-profile.py .venv/bin/temporal /tmp/perf.data

Prints the leaf functions (self time), the functions on the stack (inclusive time) and a few
named shares (SQLite, visibility, GC, metrics).
"""
import bisect
import collections
import struct
import subprocess
import sys


def elf_sections(data):
    """name -> (address, file offset) of an ELF64 little-endian file's sections."""
    shoff, = struct.unpack_from('<Q', data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from('<HHH', data, 0x3A)
    headers = [struct.unpack_from('<IIQQQQIIQQ', data, shoff + i * shentsize) for i in range(shnum)]
    strtab = headers[shstrndx][4]
    sections = {}
    for name_off, _type, _flags, addr, offset, *_ in headers:
        name = data[strtab + name_off:data.index(b'\0', strtab + name_off)].decode()
        sections[name] = (addr, offset)
    return sections


def function_table(binary):
    """Sorted entry addresses and names from .gopclntab (the Go 1.20+ layout, magic 0xfffffff1)."""
    data = open(binary, 'rb').read()
    sections = elf_sections(data)
    text_addr = sections['.text'][0]
    off = sections['.gopclntab'][1]
    magic, = struct.unpack_from('<I', data, off)
    if magic != 0xFFFFFFF1:
        sys.exit(f'{binary}: .gopclntab magic {magic:#x}, not the Go 1.20+ layout this reads')
    nfunc, _nfiles, _text_start, funcname_off, _cu, _filetab, _pctab, pcln_off = struct.unpack_from('<8Q', data, off + 8)
    functab = off + pcln_off
    entries, names = [], []
    for i in range(nfunc):
        entry_off, func_off = struct.unpack_from('<II', data, functab + 8 * i)
        name_off, = struct.unpack_from('<i', data, functab + func_off + 4)
        start = off + funcname_off + name_off
        entries.append(text_addr + entry_off)
        names.append(data[start:data.index(b'\0', start)].decode(errors='replace'))
    return entries, names, sections['.text'][0] - sections['.text'][1]


def samples(perf_data, binary_name, resolve):
    """Each sample's stack, leaf first, as function names ('[kernel]' for the kernel's frames)."""
    out = subprocess.run(['perf', 'script', '-i', perf_data, '-F', 'ip,dso'], capture_output=True, text=True, check=True).stdout
    stack = []
    for line in out.splitlines() + ['']:
        parts = line.split()
        if not parts:
            if stack:
                yield stack
            stack = []
        elif binary_name in line:
            stack.append(resolve(int(parts[0], 16)))
        else:
            stack.append('[kernel]' if 'kernel' in line else parts[-1])


def main():
    binary, perf_data = sys.argv[1], sys.argv[2]
    entries, names, load_bias = function_table(binary)

    def resolve(file_offset_ip):
        i = bisect.bisect_right(entries, file_offset_ip + load_bias) - 1
        return names[i] if i >= 0 else '?'

    stacks = list(samples(perf_data, binary.rsplit('/', 1)[-1], resolve))
    total = len(stacks)
    self_time = collections.Counter(s[0] for s in stacks)
    inclusive = collections.Counter(f for s in stacks for f in set(s))
    print(f'{total} samples')
    print('--- self')
    for name, count in self_time.most_common(25):
        print(f'{100 * count / total:5.1f}%  {name}')
    print('--- inclusive')
    for name, count in inclusive.most_common(60):
        print(f'{100 * count / total:5.1f}%  {name}')
    shares = {
        'SQLite (all)': lambda f: f.startswith('modernc.org/'),
        'SQLite parsing statements': lambda f: 'sqlite3Prepare' in f,
        'visibility records': lambda f: 'visibilityQueueTaskExecutor' in f,
        'history service handlers': lambda f: 'service/history.(*Handler)' in f,
        'frontend service': lambda f: 'service/frontend.' in f,
        'matching service': lambda f: 'service/matching.' in f,
        'garbage collector': lambda f: f.startswith('runtime.gcBgMarkWorker'),
        'metrics (tally, prometheus)': lambda f: 'tally' in f or 'prometheus' in f,
    }
    print('--- shares')
    for label, pred in shares.items():
        share = sum(1 for s in stacks if any(pred(f) for f in s))
        print(f'{100 * share / total:5.1f}%  {label}')


if __name__ == '__main__':
    main()
