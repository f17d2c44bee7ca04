"""python -m localwiki start|stop|status|reset|create [--root var/devwiki] [--port 8080]
[--name devwiki] [--language en] [--timezone UTC]"""
from __future__ import annotations

import argparse
import sys
import time

from .errors import LocalWikiError
from .wiki import ADMIN, LocalWiki


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m localwiki",
                                     description="A real local MediaWiki for development.")
    parser.add_argument("command", choices=["start", "stop", "status", "reset", "create"])
    parser.add_argument("--root", default="var/devwiki",
                        help="the wiki's folder (default: var/devwiki)")
    parser.add_argument("--port", type=int, default=8080, help="port on 127.0.0.1 (default: 8080)")
    parser.add_argument("--name", default="devwiki",
                        help="wiki id / database name (default: devwiki)")
    parser.add_argument("--language", default="en",
                        help="content language, chosen at create (default: en)")
    parser.add_argument("--timezone", default="UTC",
                        help="local time zone of signatures, e.g. Europe/Paris (default: UTC)")
    return parser


def run(wiki: LocalWiki, command: str) -> int:
    began = time.monotonic()
    wiki.port = wiki.running_port() or wiki.port
    if command == "status":
        running = wiki.is_running()
        state = f"running (pid {wiki.pgid})" if running else "stopped"
        print(f"{wiki.name}: {state}; {wiki.api_url}; root {wiki.root}")
        return 0 if running else 3
    if command == "stop":
        wiki.stop()
    elif command == "create":
        wiki.create()
    elif command == "reset":
        wiki.reset()
    else:
        wiki.start()
        print(wiki.api_url)
        print(f"admin: {ADMIN} / {wiki.admin_password}", file=sys.stderr)
    print(f"{command}: done in {time.monotonic() - began:.2f} s", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        wiki = LocalWiki(args.root, args.port, args.name, language=args.language,
                         timezone=args.timezone)
        return run(wiki, args.command)
    except LocalWikiError as exc:
        print(f"localwiki: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
