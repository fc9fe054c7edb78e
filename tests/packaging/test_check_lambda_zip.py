"""The Lambda package check tells fit packages from unfit ones.

    python3 -m unittest discover -s tests/packaging -q

Tiny C programs stand in for the Lambda binary: one static (musl-gcc), one dynamic needing only
old glibc symbols, one needing a glibc 2.36 symbol (arc4random), which Amazon Linux 2023's glibc
2.34 lacks. Cases needing a compiler this machine lacks are skipped with the reason.
"""

from __future__ import annotations

import contextlib
import io
import os
import platform
import shutil
import subprocess
import tempfile
import unittest
import zipfile

import check_lambda_zip as check

HELLO = '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n'
NEW_GLIBC = (
    "#include <stdio.h>\n#include <stdlib.h>\n"
    'int main(void) { printf("%u\\n", arc4random()); return 0; }\n'
)


def write_zip(path: str, entries: list[tuple[str, bytes, int]], unix: bool = True) -> None:
    with zipfile.ZipFile(path, "w") as z:
        for name, data, mode in entries:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.create_system = 3 if unix else 0
            info.external_attr = (mode & 0xFFFF) << 16
            z.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)


class PackageCheckTest(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="lambda-zip-test-")
        self.addCleanup(shutil.rmtree, self.dir)

    def compile(self, compiler: str, source: str, *flags: str) -> bytes:
        if shutil.which(compiler) is None:
            self.skipTest(f"{compiler} is not installed")
        if platform.machine() not in ("x86_64", "AMD64"):
            self.skipTest("the check is for x86-64 binaries; this machine builds others")
        src = os.path.join(self.dir, "main.c")
        out = os.path.join(self.dir, f"a-{compiler}.out")
        with open(src, "w") as f:
            f.write(source)
        done = subprocess.run([compiler, *flags, "-o", out, src], capture_output=True, text=True)
        if done.returncode != 0:
            self.skipTest(f"{compiler} could not build the sample: {done.stderr.strip()[:200]}")
        with open(out, "rb") as f:
            return f.read()

    def results(self, entries, unix: bool = True) -> dict[str, check.Result]:
        path = os.path.join(self.dir, "bootstrap.zip")
        write_zip(path, entries, unix)
        results, _ = check.check_zip(path)
        return {r.name: r for r in results}

    def test_a_static_musl_binary_passes_every_check(self) -> None:
        binary = self.compile("musl-gcc", HELLO, "-static", "-O2")
        results = self.results([("bootstrap", binary, 0o100755)])
        self.assertTrue(all(r.ok for r in results.values()), results)
        self.assertIn("statically linked", results["linkage"].detail)

    def test_a_dynamic_binary_with_old_glibc_symbols_passes(self) -> None:
        binary = self.compile("gcc", HELLO, "-O2")
        results = self.results([("bootstrap", binary, 0o100755)])
        self.assertTrue(results["linkage"].ok, results["linkage"].detail)
        self.assertIn("dynamic, glibc only", results["linkage"].detail)

    def test_a_binary_needing_glibc_newer_than_2_34_fails_and_names_the_version(self) -> None:
        binary = self.compile("gcc", NEW_GLIBC, "-O2")
        versions = check.read_elf(binary).glibc_versions()
        if not versions or versions[-1] <= check.MAX_GLIBC:
            self.skipTest("this machine's glibc is not newer than 2.34")
        results = self.results([("bootstrap", binary, 0o100755)])
        self.assertFalse(results["linkage"].ok)
        self.assertIn("GLIBC_2.3", results["linkage"].detail)
        self.assertIn("Amazon Linux 2023", results["linkage"].detail)

    def test_entry_without_execute_bits_fails(self) -> None:
        binary = self.compile("musl-gcc", HELLO, "-static")
        results = self.results([("bootstrap", binary, 0o100644)])
        self.assertFalse(results["executable"].ok)

    def test_mode_bits_not_recorded_for_unix_fail(self) -> None:
        binary = self.compile("musl-gcc", HELLO, "-static")
        results = self.results([("bootstrap", binary, 0o100755)], unix=False)
        self.assertFalse(results["executable"].ok)

    def test_wrong_layout_fails(self) -> None:
        for entries in (
            [("bin/bootstrap", b"\x7fELF", 0o100755)],
            [("bootstrap", b"\x7fELF", 0o100755), ("README", b"x", 0o100644)],
            [("main", b"\x7fELF", 0o100755)],
        ):
            results = self.results(entries)
            self.assertFalse(results["layout"].ok, entries)

    def test_a_script_is_not_an_elf_executable(self) -> None:
        results = self.results([("bootstrap", b"#!/bin/sh\nexec ./main\n", 0o100755)])
        self.assertFalse(results["elf"].ok)

    def test_main_prints_sizes_and_fails_with_exit_code_1(self) -> None:
        path = os.path.join(self.dir, "bootstrap.zip")
        write_zip(path, [("bootstrap", b"not elf", 0o100755)])
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = check.main([path])
        self.assertEqual(code, 1)
        self.assertIn("FAIL  elf", out.getvalue())
        self.assertIn("lambda package: FAILED (elf)", out.getvalue())


if __name__ == "__main__":
    unittest.main()
