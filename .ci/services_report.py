"""Print the outcome of every test under the given folders from a JUnit report, and fail if one
of them did not pass or none ran (the services were required, so a skip is a failure too)."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET


def main(report: str, folders: list[str]) -> int:
    prefixes = tuple(folder.rstrip("/").replace("/", ".") + "." for folder in folders)
    seen = bad = 0
    for case in ET.parse(report).iter("testcase"):  # noqa: S314 - the report our own pytest just wrote
        classname = case.get("classname", "")
        if not classname.startswith(prefixes):
            continue
        seen += 1
        outcome = next((child.tag for child in case if child.tag in ("failure", "error", "skipped")), "passed")
        bad += outcome != "passed"
        print(f"{classname}::{case.get('name')} {outcome.upper()}")
    print(f"{seen} tests, {seen - bad} passed")
    return 0 if seen and not bad else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
