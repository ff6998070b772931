"""Runs cloudformation-validate (AWS's Rust validation engine, pinned in tools/requirements.txt) offline.

Usage: python tools/validators/cfn_validate.py <template>...

Prints one JSON object on stdout: {"version": "<engine version>", "diagnostics": [{"file", "rule",
"severity", "logical_id", "path", "line", "message"}, ...]} with every diagnostic of severity WARN or
above (INFO diagnostics are advice, such as "this resource has no DeletionPolicy", that the project's
synth decides on purpose). The engine is built once (about half a second) and each template then takes
milliseconds, which is why deploy can run it on every changed template. Exit status 2 when the engine
cannot read a template; findings are data, not a failure of this script.
"""

import json
import sys

from cloudformation_validate import CompositeEngine, Severity, ValidateConfig, ValidationError, version


def main(paths: list[str]) -> int:
    engine = CompositeEngine()
    config = ValidateConfig(severity_level=Severity.WARN)
    out = []
    for path in paths:
        try:
            report = engine.validate_template(path, config)
        except (OSError, ValidationError) as e:
            print(f"{path}: cannot validate: {e}", file=sys.stderr)
            return 2
        for d in report.diagnostics:
            if d.severity.value < Severity.WARN.value:
                continue
            entity = d.entity
            out.append(
                {
                    "file": path,
                    "rule": d.rule_id,
                    "severity": d.severity.name,
                    "logical_id": getattr(entity, "logical_id", None),
                    "path": d.property_path,
                    "line": d.start_line,
                    "message": d.message,
                }
            )
    json.dump({"version": version(), "diagnostics": out}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
