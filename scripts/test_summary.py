"""Add up the JUnit reports of the test legs (SQLite, PostgreSQL) into one closing line."""

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
legs = []
for path in sys.argv[1:]:
    if not Path(path).exists():
        legs.append(f"{Path(path).stem} : rapport absent")
        totals["errors"] += 1
        continue
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    leg = {key: sum(int(s.get(key, 0)) for s in suites) for key in totals}
    for key, value in leg.items():
        totals[key] += value
    legs.append(f"{Path(path).stem} : {leg['tests']} tests")
failed = totals["failures"] + totals["errors"]
passed = totals["tests"] - failed - totals["skipped"]
print("Jambes : " + ", ".join(legs))
print(f"Total: {passed} passed, {failed} failed, {totals['skipped']} skipped")
