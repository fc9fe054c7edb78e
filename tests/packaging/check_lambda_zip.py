#!/usr/bin/env python3
"""Checks that a Lambda zip will run on the provided.al2023 runtime on x86_64.

    python3 tests/packaging/check_lambda_zip.py build/lambda/bootstrap.zip

What must hold (each printed as PASS or FAIL, then the sizes):

* the zip holds exactly one entry, a regular file named ``bootstrap`` with its execute bits set
  (the runtime executes ``/var/task/bootstrap``);
* it is a 64-bit little-endian x86-64 ELF executable;
* it is statically linked (no program interpreter, no needed shared libraries), or, failing
  that, dynamically linked only against glibc's own libraries through the standard x86-64
  loader and needing no glibc symbol version newer than 2.34 (Amazon Linux 2023's glibc);
* it fits Lambda's limits: 50 MB zipped (a direct upload) and 250 MB unzipped.

Standard library only: the ELF headers are read here rather than with ``file`` or ``readelf``,
which a fresh machine may not have.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import stat
import struct
import sys
import zipfile

ENTRY_NAME = "bootstrap"
MAX_GLIBC = (2, 34)
MAX_ZIPPED = 50 * 1000 * 1000
MAX_UNZIPPED = 250 * 1000 * 1000
X86_64_LOADER = "/lib64/ld-linux-x86-64.so.2"
GLIBC_LIBRARIES = {
    "libc.so.6",
    "libm.so.6",
    "libdl.so.2",
    "libpthread.so.0",
    "librt.so.1",
    "libutil.so.1",
    "libgcc_s.so.1",
    X86_64_LOADER.rsplit("/", 1)[1],
}

EM_X86_64 = 62
ET_EXEC, ET_DYN = 2, 3
PT_DYNAMIC, PT_INTERP = 2, 3
SHT_SYMTAB, SHT_DYNAMIC = 2, 6
SHT_GNU_VERNEED = 0x6FFFFFFE
DT_NEEDED = 1


class NotElf(Exception):
    """The bytes are not an ELF file this check can read."""


@dataclasses.dataclass
class ElfFacts:
    """What the checks need to know about an ELF file."""

    elf_class: int
    little_endian: bool
    machine: int
    elf_type: int
    interpreter: str | None
    needed: list[str]
    version_needs: dict[str, list[str]]  # library -> version names (GLIBC_2.34, ...)
    has_symtab: bool
    has_debug_info: bool

    @property
    def static(self) -> bool:
        return self.interpreter is None and not self.needed

    def glibc_versions(self) -> list[tuple[int, ...]]:
        found = []
        for names in self.version_needs.values():
            for name in names:
                if name.startswith("GLIBC_") and name[6:].replace(".", "").isdigit():
                    found.append(tuple(int(p) for p in name[6:].split(".")))
        return sorted(found)

    def other_glibc_versions(self) -> list[str]:
        """Version names like GLIBC_PRIVATE that no released glibc promises to keep."""
        return sorted(
            name
            for names in self.version_needs.values()
            for name in names
            if name.startswith("GLIBC_") and not name[6:].replace(".", "").isdigit()
        )


def _cstring(data: bytes, offset: int) -> str:
    end = data.index(b"\0", offset)
    return data[offset:end].decode("utf-8", "replace")


def read_elf(data: bytes) -> ElfFacts:
    """Reads the header, program headers and the sections this check needs."""
    if data[:4] != b"\x7fELF":
        raise NotElf("no ELF magic number")
    elf_class, encoding = data[4], data[5]
    if elf_class != 2 or encoding != 1:
        # Report what it is without parsing further: the header layout below is ELF64 LE.
        return ElfFacts(elf_class, encoding == 1, 0, 0, None, [], {}, False, False)
    (
        elf_type, machine, _version, _entry, phoff, shoff, _flags, _ehsize,
        phentsize, phnum, shentsize, shnum, shstrndx,
    ) = struct.unpack_from("<HHIQQQIHHHHHH", data, 16)

    interpreter = None
    for i in range(phnum):
        p_type, _f, p_offset, _va, _pa, p_filesz, _ms, _al = struct.unpack_from(
            "<IIQQQQQQ", data, phoff + i * phentsize
        )
        if p_type == PT_INTERP:
            interpreter = data[p_offset : p_offset + p_filesz].rstrip(b"\0").decode()

    sections = [
        struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)
    ]
    if not sections and interpreter is not None:
        raise NotElf("a dynamic executable without section headers cannot be checked")

    def section_bytes(index: int) -> bytes:
        _n, _t, _fl, _a, offset, size, *_ = sections[index]
        return data[offset : offset + size]

    names = section_bytes(shstrndx) if sections else b""
    needed: list[str] = []
    version_needs: dict[str, list[str]] = {}
    has_symtab = has_debug = False
    for sh_name, sh_type, _fl, _a, offset, size, link, info, _al, _es in sections:
        name = _cstring(names, sh_name) if names else ""
        if name == ".debug_info":
            has_debug = True
        if sh_type == SHT_SYMTAB:
            has_symtab = True
        if sh_type == SHT_DYNAMIC:
            strings = section_bytes(link)
            for pos in range(offset, offset + size, 16):
                tag, value = struct.unpack_from("<qQ", data, pos)
                if tag == 0:
                    break
                if tag == DT_NEEDED:
                    needed.append(_cstring(strings, value))
        if sh_type == SHT_GNU_VERNEED:
            strings = section_bytes(link)
            pos = offset
            for _ in range(info):
                _ver, count, file_off, aux, next_off = struct.unpack_from("<HHIII", data, pos)
                library = _cstring(strings, file_off)
                apos = pos + aux
                for _ in range(count):
                    _hash, _flags, _other, name_off, anext = struct.unpack_from(
                        "<IHHII", data, apos
                    )
                    version_needs.setdefault(library, []).append(_cstring(strings, name_off))
                    apos += anext
                pos += next_off
    return ElfFacts(
        elf_class, True, machine, elf_type, interpreter, needed, version_needs,
        has_symtab, has_debug,
    )


@dataclasses.dataclass
class Result:
    name: str
    ok: bool
    detail: str


def check_zip(path: str) -> tuple[list[Result], dict[str, object]]:
    """Every check on the zip at `path`, and facts worth printing."""
    results: list[Result] = []
    facts: dict[str, object] = {}
    zipped = os.path.getsize(path)
    facts["zip_bytes"] = zipped
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as e:
        return [Result("zip", False, f"not a zip file: {e}")], facts
    with archive:
        entries = archive.infolist()
        names = [e.filename for e in entries]
        layout_ok = names == [ENTRY_NAME]
        results.append(
            Result(
                "layout",
                layout_ok,
                f"one entry {ENTRY_NAME!r} at the root" if layout_ok
                else f"entries {names}; the runtime needs exactly one file {ENTRY_NAME!r} at the root",
            )
        )
        entry = next((e for e in entries if e.filename == ENTRY_NAME), None)
        if entry is None:
            return results, facts
        mode = entry.external_attr >> 16
        unix = entry.create_system == 3
        executable = unix and stat.S_ISREG(mode) and (mode & 0o111) == 0o111
        results.append(
            Result(
                "executable",
                executable,
                f"regular file, mode {stat.filemode(mode)}" if executable
                else f"mode {oct(mode)} (made on system {entry.create_system}); "
                "it must be a regular file with execute bits (0755) recorded for Unix",
            )
        )
        data = archive.read(entry)
    facts["unzipped_bytes"] = len(data)

    try:
        elf = read_elf(data)
    except (NotElf, struct.error, ValueError, IndexError) as e:
        results.append(Result("elf", False, f"not a readable ELF executable: {e}"))
        return results, facts
    kind_ok = (
        elf.elf_class == 2
        and elf.little_endian
        and elf.machine == EM_X86_64
        and elf.elf_type in (ET_EXEC, ET_DYN)
    )
    results.append(
        Result(
            "elf",
            kind_ok,
            "ELF64 little-endian x86-64 executable" if kind_ok
            else f"class {elf.elf_class}, machine {elf.machine}, type {elf.elf_type}; "
            "provided.al2023 on x86_64 needs an ELF64 x86-64 executable",
        )
    )
    facts["stripped"] = not elf.has_symtab
    facts["debug_info"] = elf.has_debug_info

    if elf.static:
        facts["linkage"] = "static"
        results.append(Result("linkage", True, "statically linked: no interpreter, no shared libraries"))
    else:
        facts["linkage"] = "dynamic"
        problems = []
        if elf.interpreter != X86_64_LOADER:
            problems.append(f"interpreter {elf.interpreter!r}, expected {X86_64_LOADER}")
        foreign = sorted(set(elf.needed) - GLIBC_LIBRARIES)
        if foreign:
            problems.append(f"needs libraries the runtime image may not have: {', '.join(foreign)}")
        versions = elf.glibc_versions()
        newest = versions[-1] if versions else None
        facts["max_glibc"] = ".".join(map(str, newest)) if newest else None
        if newest and newest > MAX_GLIBC:
            too_new = sorted(
                {
                    n
                    for names in elf.version_needs.values()
                    for n in names
                    if n.startswith("GLIBC_") and n[6:].replace(".", "").isdigit()
                    and tuple(int(p) for p in n[6:].split(".")) > MAX_GLIBC
                }
            )
            problems.append(
                f"needs {', '.join(too_new)}; Amazon Linux 2023 has glibc "
                f"{'.'.join(map(str, MAX_GLIBC))}"
            )
        if elf.other_glibc_versions():
            problems.append(f"needs {', '.join(elf.other_glibc_versions())}")
        results.append(
            Result(
                "linkage",
                not problems,
                "; ".join(problems) if problems
                else f"dynamic, glibc only ({', '.join(elf.needed)}), newest symbol version "
                f"GLIBC_{facts['max_glibc']} <= {'.'.join(map(str, MAX_GLIBC))}",
            )
        )

    size_ok = zipped <= MAX_ZIPPED and len(data) <= MAX_UNZIPPED
    results.append(
        Result(
            "size",
            size_ok,
            f"{zipped / 1e6:.1f} MB zipped (limit {MAX_ZIPPED / 1e6:.0f}), "
            f"{len(data) / 1e6:.1f} MB unzipped (limit {MAX_UNZIPPED / 1e6:.0f})",
        )
    )
    return results, facts


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("zip", help="the Lambda deployment package (bootstrap.zip)")
    args = parser.parse_args(argv)
    results, facts = check_zip(args.zip)
    print(f"lambda package {args.zip}:")
    for r in results:
        print(f"  {'PASS' if r.ok else 'FAIL'}  {r.name:10} {r.detail}")
    if "unzipped_bytes" in facts:
        print(
            f"  size: {facts['zip_bytes']:,} bytes zipped, {facts['unzipped_bytes']:,} bytes unzipped; "
            f"linkage {facts.get('linkage', '?')}; "
            f"{'stripped' if facts.get('stripped') else 'with symbols'}"
            f"{', with debug info' if facts.get('debug_info') else ''}"
        )
    failed = [r.name for r in results if not r.ok]
    if failed:
        print(f"lambda package: FAILED ({', '.join(failed)})")
        return 1
    print("lambda package: fit for provided.al2023 on x86_64")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
