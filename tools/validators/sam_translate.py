"""Translates a SAM template to plain CloudFormation offline, as CloudFormation's SAM transform would.

Usage: python tools/validators/sam_translate.py <sam template> <output.json>

cfn-lint no longer runs the SAM translator, so CI translates SAM templates with aws-sam-translator
(pinned in tools/requirements.txt) and lints the result. Managed policies are not looked up (no AWS
call): the project's roles are explicit resources, never SAM policy templates.
"""

import json
import os
import sys

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

from samtranslator.translator.transform import transform  # noqa: E402
from samtranslator.yaml_helper import yaml_parse  # noqa: E402


class NoManagedPolicies:
    def load(self):
        return {}


def main() -> int:
    source, target = sys.argv[1], sys.argv[2]
    with open(source) as f:
        template = yaml_parse(f.read())
    try:
        translated = transform(template, {}, NoManagedPolicies())
    except Exception as e:  # the translator reports invalid SAM as exceptions with readable messages
        print(f"{source}: SAM translation failed: {e}", file=sys.stderr)
        return 2
    with open(target, "w") as f:
        json.dump(translated, f, indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
