"""Benchmark: load a generated 500k-record JSON Lines file; prints seconds and peak RSS.

Run: ``python benchmarks/bench_data_load.py [--records N]``. The file is written to a temporary
folder (about 60 MB for 500k records) and removed afterwards. Peak RSS is measured in a fresh
child process so that generating the file does not count.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

_CHILD = """
import resource, sys, time
from mia_platform.data.loaders import load_jsonl
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
ds = load_jsonl(sys.argv[1])
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(len(ds), len(ds.user_names), seconds, before / 1024, peak / 1024)
"""


def generate(path: Path, records: int, seed: int = 0) -> None:
    """Write ``records`` reviews of 5-40 words by ``records // 10`` users, 8 labels."""
    rng = random.Random(seed)
    words = [f"word{i}" for i in range(5000)]
    users = records // 10
    with path.open("w", encoding="utf-8") as fh:
        for i in range(records):
            text = " ".join(rng.choices(words, k=rng.randint(5, 40)))
            record = {"user": f"u_{rng.randrange(users):08x}", "text": text, "label": f"c{i % 8}"}
            fh.write(json.dumps(record) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=500_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.jsonl"
        generate(path, args.records)
        size_mb = path.stat().st_size / 2**20
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, str(path)], check=True, capture_output=True, text=True
        ).stdout.split()
    n, users, seconds, base_mb, peak_mb = int(out[0]), int(out[1]), *map(float, out[2:])
    print(f"records: {n:,}  users: {users:,}  file: {size_mb:.1f} MB")
    print(
        f"load: {seconds:.2f} s  peak RSS: {peak_mb:.0f} MB (interpreter + imports: {base_mb:.0f} MB)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
