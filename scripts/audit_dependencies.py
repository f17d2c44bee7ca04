"""pip-audit with ibanbot's policy (README "Security checks").

- Runtime dependencies (what `pip install ".[postgresql,mysql]"` installs, resolved from the
  installed metadata): a known vulnerability FAILS, unless its id is listed with a reason in
  .ci/pip-audit-ignore.txt ("ID  reason", e.g. a flaw in a code path ibanbot never calls).
- Everything else installed (test tools, pip, the OS's Python packages): reported, not fatal.
- The vulnerability service unreachable (an offline CI machine): a loud warning, not a failure,
  unless IBANBOT_AUDIT_STRICT=1.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
EXTRAS = {"postgresql", "mysql"}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_closure(project: str = "ibanbot") -> set[str]:
    """Canonical names of what installing `project[postgresql,mysql]` pulls in (markers kept)."""
    todo, seen = [(project, EXTRAS)], set()
    while todo:
        name, extras = todo.pop()
        if canonical(name) in seen:
            continue
        seen.add(canonical(name))
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        for text in requires:
            req = Requirement(text)
            if req.marker and not any(req.marker.evaluate({"extra": e}) for e in extras or {""}):
                continue
            todo.append((req.name, set(req.extras)))
    return seen


def ignored() -> dict[str, str]:
    path = ROOT / ".ci" / "pip-audit-ignore.txt"
    rules = {}
    for line in path.read_text().splitlines() if path.exists() else ():
        if line.strip() and not line.startswith("#"):
            vuln, _, reason = line.strip().partition(" ")
            rules[vuln] = reason.strip()
    return rules


def main() -> int:
    out = subprocess.run([sys.executable, "-m", "pip_audit", "-l", "--format", "json",
                          "--progress-spinner", "off"], capture_output=True, text=True)
    try:
        report = json.loads(out.stdout)
    except json.JSONDecodeError:
        print(f"pip-audit failed: {out.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return 1
    runtime, skip = runtime_closure(), ignored()
    deps = report.get("dependencies", [])
    audited = [d for d in deps if "skip_reason" not in d]
    failures = 0
    for dep in deps:
        for vuln in dep.get("vulns", []):
            ids = {vuln["id"], *vuln.get("aliases", [])}
            fatal = canonical(dep["name"]) in runtime and not ids & skip.keys()
            failures += fatal
            print(f"{'FAIL' if fatal else 'note'}: {dep['name']} {dep['version']}: {vuln['id']} "
                  f"(fixed in {', '.join(vuln.get('fix_versions', [])) or 'no release'})")
    if not audited:
        print("WARNING: pip-audit could not reach the vulnerability service: dependencies NOT "
              "audited", file=sys.stderr)
        return 1 if os.environ.get("IBANBOT_AUDIT_STRICT") == "1" else 0
    print(f"pip-audit: {len(audited)} packages audited ({len(runtime)} runtime), "
          f"{failures} failing vulnerabilities")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
