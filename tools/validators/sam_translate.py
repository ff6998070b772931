"""Translates a SAM template to plain CloudFormation offline, as CloudFormation's SAM transform would.

Usage: python tools/validators/sam_translate.py <sam template> <output.json>

cfn-lint 1.x no longer runs the SAM translator (it only checks SAM resources against SAM's schema), so
`cargo xtask lint` translates SAM templates with aws-sam-translator (pinned in tools/requirements.txt)
and lints the translation too. Offline and deterministic: region us-east-1, no parameter values
(parameter defaults apply), and AWS-managed policy names resolved from the map bundled with the
translator (no IAM call). Exit status 2 with the translator's messages on stderr for invalid SAM.
"""

import json
import os
import sys

os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
os.environ["AWS_REGION"] = "us-east-1"

from samtranslator.translator.transform import transform  # noqa: E402
from samtranslator.yaml_helper import yaml_parse  # noqa: E402


class BundledPoliciesOnly:
    """The managed-policy loader the translator falls back to for names missing from its bundled map:
    offline there is nothing more to load, so such a name stays as written (and cfn-lint sees it)."""

    def load(self):
        return {}


def messages(error: Exception) -> list[str]:
    causes = getattr(error, "causes", None) or [error]
    return [getattr(c, "message", None) or str(c) for c in causes]


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 64
    source, target = sys.argv[1], sys.argv[2]
    with open(source, encoding="utf-8") as f:
        template = yaml_parse(f.read())
    try:
        translated = transform(template, {}, BundledPoliciesOnly())
    except Exception as e:  # the translator reports invalid SAM as exceptions with readable messages
        for message in messages(e):
            print(f"{source}: SAM translation failed: {message}", file=sys.stderr)
        return 2
    with open(target, "w", encoding="utf-8") as f:
        json.dump(translated, f, indent=1, sort_keys=True)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
