"""Shared by the bench/check_*.py scripts: the CPU's name and the PASS/FAIL list of targets."""
import platform
import sys


def cpu():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


class Targets:
    """Collects (name, measured value, met?) and prints them; exit code 1 if any is missed."""

    def __init__(self):
        self.rows = []

    def check(self, name, value, ok):
        self.rows.append((name, value, bool(ok)))

    def finish(self):
        failed = 0
        for name, value, ok in self.rows:
            print(f"{'PASS' if ok else 'FAIL'}  {name}: {value}")
            failed += not ok
        sys.exit(1 if failed else 0)
