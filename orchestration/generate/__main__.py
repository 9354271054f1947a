"""``python -m orchestration.generate --out DIR --participants N --seed S``"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import generate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.generate",
                                     description="Write a complete set of synthetic o4o feed files.")
    parser.add_argument("--out", required=True, type=Path, help="landing directory to write")
    parser.add_argument("--participants", type=int, default=10_000, help="job-center participants")
    parser.add_argument("--seed", type=int, default=42, help="random seed (same seed, same files)")
    parser.add_argument("--quiet", action="store_true", help="no progress messages")
    args = parser.parse_args(argv)
    progress = None if args.quiet else (lambda message: print(message, file=sys.stderr, flush=True))
    summary = generate(args.out, args.participants, args.seed, progress)
    print(json.dumps(summary["rows"], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
