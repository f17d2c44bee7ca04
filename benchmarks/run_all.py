"""Every benchmark, one after another, each in a process of its own; then one report.

    python benchmarks/run_all.py            # everything (about 10 minutes: real edits on a wiki)
    python benchmarks/run_all.py --quick    # without the two that drive the real local wiki

1 prefilter throughput and 5 peak memory (bench_prefilter), 2 analysis throughput
(bench_analysis), 3 API economy and 4 latency (bench_live, on the real local MediaWiki), the
EventStreams source (bench_stream), and the
detector benchmarks (bench_replies, bench_mentions, bench_edit_change), findings per 1,000
added lines on the real talk pages (bench_false_alarms). The machine is described
first (CPUs, CPU model, memory, Python), since every figure depends on it.
"""
from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = [
    ("1+5 prefilter and memory", ["bench_prefilter.py"]),
    ("2 analysis", ["bench_analysis.py"]),
    ("EventStreams source", ["bench_stream.py"]),
    ("detector: reply", ["bench_replies.py"]),
    ("detector: mention", ["bench_mentions.py"]),
    ("detector: edit-change", ["bench_edit_change.py"]),
    ("false alarms on real talk pages", ["bench_false_alarms.py"]),
    ("report page (nested templates, busy pages)", ["bench_reportpage.py"]),
    ("coverage per saved batch", ["bench_coverage.py"]),
    ("3+4 API economy and latency (real local wiki)", ["bench_live.py", "both"]),
]


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in _read("/proc/cpuinfo")
                if line.startswith("model name")), platform.processor() or "?")
    mem = next((int(line.split()[1]) // 1024 for line in _read("/proc/meminfo")
                if line.startswith("MemTotal")), 0)
    return (f"{os.cpu_count()} CPUs ({cpu}), {mem / 1024:.1f} GB RAM, "
            f"Python {platform.python_version()}, {platform.system()} {platform.release()}")


def _read(path: str) -> list[str]:
    try:
        return Path(path).read_text().splitlines()
    except OSError:
        return []


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    print(f"machine: {machine()}")
    failed = 0
    for title, command in BENCHES:
        if quick and command[0] == "bench_live.py":
            continue
        start = time.monotonic()
        run = subprocess.run([sys.executable, str(HERE / command[0]), *command[1:]],
                             capture_output=True, text=True)
        lines = [line for line in run.stdout.splitlines() if line.strip()]
        print(f"\n== {title} ({time.monotonic() - start:.0f} s)")
        print("\n".join(lines) if lines else "(no output)")
        if run.returncode:
            failed += 1
            print(f"FAILED (exit {run.returncode}): {run.stderr.strip().splitlines()[-1:]}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
