"""Security-group rule changes that are all-or-nothing, and prefix-list references that cost what
AWS charges for them.

moto 5.2.5:
- applies AuthorizeSecurityGroupIngress/Egress and RevokeSecurityGroupIngress/Egress one permission
  at a time, so a call that fails on its third permission (a duplicate, the rule quota, an unknown
  rule) leaves the first two applied; AWS applies a call entirely or not at all;
- answers an authorize with only the last permission's rules in `SecurityGroupRules`;
- counts a rule that references a prefix list as one rule, and accepts unknown prefix-list ids;
  AWS counts it as the list's `MaxEntries` against the rules-per-group quota (60 inbound and 60
  outbound per group by default), and answers `InvalidPrefixListID.NotFound`;

AWS documentation: Amazon VPC User Guide, "Security group rules" and "Reference prefix lists in your
AWS resources" ("a prefix list counts as the maximum number of entries ... for each rule that
references it"); EC2 API Reference for the four calls (each takes a list of permissions and either
applies them all or fails). Resizing a referenced prefix list beyond what a referencing group's quota
allows leaves the list in `modify-failed` with a state message naming the groups, as the
ModifyManagedPrefixList reference says.
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult
from moto.ec2.exceptions import RulesPerSecurityGroupLimitExceededError
from moto.ec2.models.security_groups import SecurityGroup, SecurityGroupBackend
from moto.ec2.responses.security_groups import SecurityGroups

from ._errors import SERVICE_ERRORS
from ._patching import patch
from .ec2_prefix_lists import LOCK, lookup

NAME = "ec2: security-group rule calls all-or-nothing; prefix-list references cost MaxEntries"


def rules_quota(group: SecurityGroup) -> int:
    return 60 if group.vpc_id else 100


def rule_cost(backend: Any, rule: Any, resized: tuple[str, int] | None = None) -> int:
    """What a rule counts against its group's quota: 1, or the MaxEntries of the list it references."""
    prefix_list_id = getattr(rule, "prefix_list_id", None)
    if not prefix_list_id:
        return 1
    if resized and resized[0] == prefix_list_id:
        return resized[1]
    pl = backend.managed_prefix_lists.get(prefix_list_id)
    return int(pl.max_entries) if pl is not None and pl.max_entries else 1


def cost(backend: Any, rules: list, resized: tuple[str, int] | None = None) -> int:
    return sum(rule_cost(backend, r, resized) for r in rules)


def check_resize(backend: Any, pl: Any, new_max: int) -> list[str]:
    """The groups (at most ten, as AWS reports them) whose quota a new MaxEntries would break."""
    offending = []
    for groups in backend.groups.values():
        for group in groups.values():
            for rules in (group.ingress_rules, group.egress_rules):
                if any(getattr(r, "prefix_list_id", None) == pl.id for r in rules) and \
                        cost(backend, rules, (pl.id, new_max)) > rules_quota(group):
                    offending.append(group.id)
                    break
    return sorted(offending)[:10]


def _check_prefix_lists(backend: Any, prefix_list_ids: list | None) -> None:
    for item in prefix_list_ids or []:
        lookup(backend, item.get("PrefixListId") if isinstance(item, dict) else item)


def _authorize(direction: str):
    def authorize(original, self: SecurityGroupBackend, *args: Any, **kwargs: Any):
        """The rules are added, then the group's weighted count is checked; over quota, they go again."""
        with LOCK:
            _check_prefix_lists(self, kwargs.get("prefix_list_ids"))
            added, group = original(*args, **kwargs)
            rules = group.ingress_rules if direction == "ingress" else group.egress_rules
            if cost(self, rules) > rules_quota(group):
                ids = {r.id for r in added}
                kept = [r for r in rules if r.id not in ids]
                if direction == "ingress":
                    group.ingress_rules = kept
                else:
                    group.egress_rules = kept
                raise RulesPerSecurityGroupLimitExceededError()
            return added, group

    return authorize


def _group_of(response: SecurityGroups) -> SecurityGroup | None:
    ref = response._get_param("GroupId") or response._get_param("GroupName")
    return response.ec2_backend.get_security_group_by_name_or_id(ref) if ref else None


def _all_or_nothing(call):
    """Runs `call` with the group's rules restored if any permission of the request fails."""

    def run(response: SecurityGroups):
        with LOCK:
            group = _group_of(response)
            saved = (list(group.ingress_rules), list(group.egress_rules)) if group is not None else None
            try:
                return call(response)
            except SERVICE_ERRORS:
                if group is not None and saved is not None:
                    group.ingress_rules, group.egress_rules = saved
                raise

    return run


def _authorize_response(direction: str):
    def call(response: SecurityGroups) -> ActionResult:
        response.error_on_dryrun()
        backend_call = getattr(response.ec2_backend, f"authorize_security_group_{direction}")
        rules: list = []
        for kwargs in response._process_rules_from_querystring():
            added, _ = backend_call(**kwargs)
            rules.extend(added)
        return ActionResult({"Return": True, "SecurityGroupRules": rules})

    run = _all_or_nothing(call)

    def authorize_response(original, self: SecurityGroups) -> ActionResult:
        return run(self)

    return authorize_response


def _revoke_response(original, self: SecurityGroups) -> Any:
    return _all_or_nothing(lambda response: original())(self)


def apply() -> str:
    for direction in ("ingress", "egress"):
        patch(SecurityGroupBackend, f"authorize_security_group_{direction}", _authorize(direction),
              corrects=f"{direction} prefix-list references count 1 against the quota; unknown lists accepted")
        patch(SecurityGroups, f"authorize_security_group_{direction}", _authorize_response(direction),
              corrects=f"a failing {direction} authorize keeps earlier permissions; only the last ones returned")
        patch(SecurityGroups, f"revoke_security_group_{direction}", _revoke_response,
              corrects=f"a failing {direction} revoke keeps the earlier permissions revoked")
    return NAME
