"""Command line: `python -m db create [--demo] PATH` makes a base; `python -m db backup [PATH]` snapshots one."""

from __future__ import annotations

import argparse
import sys

from db.connection import base_path
from db.demo import create_base
from db.snapshots import SnapshotError, prune, take


def main(argv: list[str] | None = None) -> int:
    """Run the command; return the process exit code."""
    parser = argparse.ArgumentParser(prog="python -m db", description="Genjin base tools")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="create a new base file")
    create.add_argument("path", help="where the SQLite file goes")
    create.add_argument("--demo", action="store_true", help="fill it with the demo team and data")
    backup = commands.add_parser("backup", help="take a snapshot of a base, then prune old snapshots")
    backup.add_argument("path", nargs="?", help="the base (default: GENJIN_DB, else data/demo.db)")
    args = parser.parse_args(argv)
    if args.command == "backup":
        return _backup(args.path or str(base_path()))
    try:
        create_base(args.path, demo=args.demo)
    except FileExistsError:
        print(f"{args.path} already exists; not touching it.", file=sys.stderr)
        return 1
    kind = "demo base" if args.demo else "empty base"
    print(f"Created {kind}: {args.path}")
    return 0


def _backup(path: str) -> int:
    try:
        snapshot = take(path)
    except (SnapshotError, OSError) as error:
        print(f"No snapshot taken: {error}", file=sys.stderr)
        return 1
    removed = prune(path)
    print(f"Snapshot: {snapshot.path} ({snapshot.size:,} bytes); {len(removed)} old snapshot(s) pruned")
    return 0


if __name__ == "__main__":
    sys.exit(main())
