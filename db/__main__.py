"""Command line: ``python -m db create [--demo] PATH`` makes a new base."""

from __future__ import annotations

import argparse
import sys

from db.demo import create_base


def main(argv: list[str] | None = None) -> int:
    """Run the command; return the process exit code."""
    parser = argparse.ArgumentParser(prog="python -m db", description="Genjin base tools")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="create a new base file")
    create.add_argument("path", help="where the SQLite file goes")
    create.add_argument("--demo", action="store_true", help="fill it with the demo team and data")
    args = parser.parse_args(argv)
    try:
        create_base(args.path, demo=args.demo)
    except FileExistsError:
        print(f"{args.path} already exists; not touching it.", file=sys.stderr)
        return 1
    kind = "demo base" if args.demo else "empty base"
    print(f"Created {kind}: {args.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
