"""Customer-managed prefix lists as AWS documents them, and `AWS::EC2::PrefixList` in templates.

moto 5.2.5 keeps prefix lists but checks nothing that makes them safe to share between writers:
- a stale or future `CurrentVersion` is accepted and used as the base of the new version, so a writer
  that lost a race silently undoes the winner's change (AWS: `PrefixListVersionMismatch`, the whole
  point of the version);
- `MaxEntries` is never enforced (more entries than the maximum at create and after a modify) and a
  modify of `MaxEntries` is ignored;
- entries are not keyed by CIDR: adding a CIDR the list holds adds a second entry, removing one it
  does not hold succeeds (AWS: `InvalidPrefixListModification` for both);
- a modify without `PrefixListName` erases the name;
- an unknown list id answers 500 (modify) or an empty 200 (entries); AWS: `InvalidPrefixListID.NotFound`;
- AWS-managed lists (`com.amazonaws.*`) can be modified and deleted;
- `AWS::EC2::PrefixList` is skipped in templates (its Ref is empty, so every rule referencing it
  breaks).

AWS behaviour implemented here (EC2 API Reference: CreateManagedPrefixList, ModifyManagedPrefixList,
GetManagedPrefixListEntries, DeleteManagedPrefixList; VPC User Guide, "Customer-managed prefix
lists"): `MaxEntries` is required at create, 1..1000, and bounds the entries at all times; a modify
carrying `CurrentVersion` fails unless it is the list's version; entries are unique by CIDR, removals
apply before additions (so one call can replace an entry's description); a change of entries makes a
new version, a rename does not; changing `MaxEntries` cannot be combined with entry changes and cannot
go below the current entry count; at most 100 entries per request. Modifies of one list are serialized
(AWS passes through `modify-in-progress`; here each modify completes before the next starts, so a
concurrent writer sees the new version and fails on `CurrentVersion`, as it would in AWS once the
first finished).

Not modelled: `modify-in-progress` as a visible state (and its `IncorrectState`), and refusing to
delete a list that rules still reference.
"""

from __future__ import annotations

import ipaddress
import threading
from typing import Any

from moto.ec2.exceptions import EC2ClientError, InvalidParameterValue
from moto.ec2.models import ec2_backends
from moto.ec2.models.managed_prefixes import ManagedPrefixList, ManagedPrefixListBackend
from moto.ec2.responses.vpcs import VPCs
from moto.core.common_models import CloudFormationModel
from moto.core.responses import ActionResult

from ._patching import patch
from ._resource_type import ResourceType

NAME = "ec2: prefix lists keep MaxEntries, CurrentVersion, CIDR-keyed entries and names; AWS::EC2::PrefixList"

MAX_ENTRIES_LIMIT = 1000
ENTRIES_PER_REQUEST = 100

# One lock for every prefix-list mutation: moto's server is threaded and a version check followed by a
# write must be atomic, as it is in AWS. Security-group rule checks (ec2_security_group_rules.py) read
# MaxEntries under it too.
LOCK = threading.RLock()


def PrefixListError(code: str, message: str) -> EC2ClientError:
    # moto names the service of an error after the module of its class, so errors are moto's own class.
    return EC2ClientError(code, message)


def not_found(prefix_list_id: str | None) -> EC2ClientError:
    return PrefixListError("InvalidPrefixListID.NotFound", f"The prefix list ID '{prefix_list_id}' does not exist")


def lookup(backend: Any, prefix_list_id: str | None) -> ManagedPrefixList:
    """The live list with this id, or InvalidPrefixListID.NotFound (deleted lists included)."""
    found = backend.managed_prefix_lists.get(prefix_list_id or "")
    if found is None or found.state == "delete-complete":
        raise not_found(prefix_list_id)
    return found


def current_entries(pl: ManagedPrefixList) -> list[dict[str, str]]:
    if pl.version is None:
        return list(pl.entries.values())[-1] if pl.entries else []
    return list(pl.entries.get(pl.version) or [])


def _is_aws_managed(pl: ManagedPrefixList) -> bool:
    return pl.owner_id == "AWS"


def _check_cidr(cidr: Any, family: str | None) -> str:
    try:
        network = ipaddress.ip_network(str(cidr), strict=False)
    except ValueError:
        raise InvalidParameterValue(f"The CIDR '{cidr}' is invalid.") from None
    if family and network.version != (6 if family == "IPv6" else 4):
        raise InvalidParameterValue(f"The CIDR '{cidr}' does not match the address family {family}.")
    return str(network)


def _max_entries(value: Any) -> int:
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise InvalidParameterValue("Must specify a max size between 1 and 1000") from None
    if not 1 <= n <= MAX_ENTRIES_LIMIT:
        raise InvalidParameterValue("Must specify a max size between 1 and 1000")
    return n


def _entry(item: dict[str, Any], family: str | None) -> dict[str, str]:
    entry = {"Cidr": _check_cidr(item.get("Cidr"), family)}
    if item.get("Description"):
        entry["Description"] = str(item["Description"])
    return entry


def _too_many(max_entries: int) -> EC2ClientError:
    return PrefixListError(
        "PrefixListMaxEntriesExceeded",
        f"The prefix list has reached its maximum number of entries ({max_entries}).",
    )


def create(original, self: ManagedPrefixListBackend, address_family=None, entry=None, max_entries=None,
           prefix_list_name=None, tags=None, owner_id=None) -> ManagedPrefixList:
    """Validates what AWS validates, then lets moto store the list (its id, ARN and tags)."""
    if owner_id == "AWS":  # moto's own AWS-managed lists at backend creation
        return original(address_family=address_family, entry=entry, max_entries=max_entries,
                        prefix_list_name=prefix_list_name, tags=tags, owner_id=owner_id)
    if address_family not in ("IPv4", "IPv6"):
        raise InvalidParameterValue(f"Invalid value '{address_family}' for AddressFamily; expected IPv4 or IPv6")
    if not prefix_list_name:
        raise PrefixListError("MissingParameter", "The request must contain the parameter PrefixListName")
    if str(prefix_list_name).startswith("com.amazonaws"):
        raise InvalidParameterValue(f"The prefix list name '{prefix_list_name}' is reserved")
    limit = _max_entries(max_entries)
    entries = [_entry(e, address_family) for e in entry or []]
    if len(entries) > ENTRIES_PER_REQUEST:
        raise InvalidParameterValue(f"The number of entries per request cannot exceeds limit ({ENTRIES_PER_REQUEST}).")
    cidrs = [e["Cidr"] for e in entries]
    duplicates = sorted({c for c in cidrs if cidrs.count(c) > 1})
    if duplicates:
        raise PrefixListError("InvalidPrefixListModification", f"Duplicate CIDRs in request: {', '.join(duplicates)}")
    if len(entries) > limit:
        raise _too_many(limit)
    with LOCK:
        pl = original(address_family=address_family, entry=entries, max_entries=limit,
                      prefix_list_name=prefix_list_name, tags=tags, owner_id=owner_id)
        pl.max_entries = limit
        pl.entries = {1: entries}
        pl.version = 1
        return pl


def modify(self: ManagedPrefixListBackend, prefix_list_id: str | None, current_version: int | None = None,
           prefix_list_name: str | None = None, add_entry: list | None = None, remove_entry: list | None = None,
           max_entries: Any = None) -> ManagedPrefixList:
    """ModifyManagedPrefixList as AWS answers it; raises before changing anything."""
    add_entry = add_entry or []
    remove_entry = remove_entry or []
    with LOCK:
        pl = lookup(self, prefix_list_id)
        if _is_aws_managed(pl):
            raise PrefixListError("UnsupportedOperation",
                                  f"The prefix list '{pl.id}' is an AWS-managed prefix list and cannot be modified")
        if current_version is not None and int(current_version) != pl.version:
            raise PrefixListError("PrefixListVersionMismatch", "The prefix list has the incorrect version number.")
        changes_entries = bool(add_entry or remove_entry)
        if max_entries is not None and changes_entries:
            raise PrefixListError("InvalidParameterCombination",
                                  "You cannot modify the entries of a prefix list and its maximum size at the same time")
        if len(add_entry) > ENTRIES_PER_REQUEST or len(remove_entry) > ENTRIES_PER_REQUEST:
            raise InvalidParameterValue(
                f"The number of entries per request cannot exceeds limit ({ENTRIES_PER_REQUEST}).")
        entries = {e["Cidr"]: e for e in current_entries(pl)}
        for item in remove_entry:
            cidr = _check_cidr(item.get("Cidr"), pl.address_family)
            if cidr not in entries:
                raise PrefixListError("InvalidPrefixListModification",
                                      f"The CIDR '{cidr}' is not an entry of prefix list '{pl.id}'")
            del entries[cidr]
        for item in add_entry:
            new = _entry(item, pl.address_family)
            if new["Cidr"] in entries:
                raise PrefixListError("InvalidPrefixListModification",
                                      f"The CIDR '{new['Cidr']}' is already an entry of prefix list '{pl.id}'")
            entries[new["Cidr"]] = new
        if max_entries is not None:
            limit = _max_entries(max_entries)
            if limit < len(entries):
                raise InvalidParameterValue(
                    f"The maximum number of entries ({limit}) cannot be less than the current number of entries "
                    f"({len(entries)})")
            from .ec2_security_group_rules import check_resize  # the groups referencing the list

            offending = check_resize(self, pl, limit)
            if offending:
                # AWS accepts the request and fails the modification: the list says why.
                pl.state = "modify-failed"
                pl.state_message = ("The following resources do not support the new maximum size: "
                                    + ", ".join(offending))
                return pl
            pl.max_entries = limit
        if len(entries) > int(pl.max_entries):
            raise _too_many(int(pl.max_entries))
        if prefix_list_name:
            pl.prefix_list_name = prefix_list_name
        if changes_entries:
            pl.version += 1
            pl.entries[pl.version] = list(entries.values())
        pl.state = "modify-complete"
        pl.state_message = None
        return pl


def modify_response(original, self: VPCs) -> ActionResult:
    """moto's response drops MaxEntries and passes no version check; this one passes everything."""
    current_version = self._get_param("CurrentVersion")
    pl = modify(
        self.ec2_backend,
        prefix_list_id=self._get_param("PrefixListId"),
        current_version=int(current_version) if current_version not in (None, "") else None,
        prefix_list_name=self._get_param("PrefixListName"),
        add_entry=self._get_param("AddEntries", []),
        remove_entry=self._get_param("RemoveEntries", []),
        max_entries=self._get_param("MaxEntries"),
    )
    return ActionResult({"PrefixList": pl})


def entries_response(original, self: VPCs) -> ActionResult:
    """Unknown lists and versions are errors, as in AWS (moto answers an empty list)."""
    with LOCK:
        pl = lookup(self.ec2_backend, self._get_param("PrefixListId"))
        target = self._get_param("TargetVersion")
        if target in (None, ""):
            entries = current_entries(pl)
        else:
            if int(target) not in pl.entries:
                raise InvalidParameterValue(f"Version {target} does not exist for prefix list {pl.id}")
            entries = list(pl.entries[int(target)])
    return ActionResult({"Entries": entries})


def delete(original, self: ManagedPrefixListBackend, prefix_list_id: str) -> ManagedPrefixList:
    with LOCK:
        pl = lookup(self, prefix_list_id)
        if _is_aws_managed(pl):
            raise PrefixListError("UnsupportedOperation",
                                  f"The prefix list '{pl.id}' is an AWS-managed prefix list and cannot be deleted")
        return original(prefix_list_id)


class PrefixList(ResourceType, CloudFormationModel):
    """AWS::EC2::PrefixList: Ref is the id; every property updates in place, as CloudFormation does."""

    TYPE = "AWS::EC2::PrefixList"
    NAME_PROPERTY = ""
    ATTRIBUTES = {"Arn": "arn", "PrefixListId": "physical_id", "OwnerId": "owner_id", "Version": "version"}

    @staticmethod
    def _tags(properties: dict) -> dict[str, str]:
        return {str(t["Key"]): str(t["Value"]) for t in properties.get("Tags") or []}

    @classmethod
    def _of(cls, pl: ManagedPrefixList, properties: dict) -> "PrefixList":
        return cls(pl.id, properties, arn=pl.prefix_list_arn, owner_id=pl.owner_id, version=pl.version)

    @classmethod
    def create(cls, name, properties, account_id, region_name, logical_id):
        backend = ec2_backends[account_id][region_name]
        pl = backend.create_managed_prefix_list(
            address_family=properties.get("AddressFamily"),
            entry=properties.get("Entries") or [],
            max_entries=properties.get("MaxEntries"),
            prefix_list_name=properties.get("PrefixListName"),
            tags=cls._tags(properties),
        )
        return cls._of(pl, properties)

    @classmethod
    def remove(cls, physical_id, properties, account_id, region_name):
        ec2_backends[account_id][region_name].delete_managed_prefix_list(physical_id)

    def update(self, name, properties, account_id, region_name):
        backend = ec2_backends[account_id][region_name]
        with LOCK:
            pl = lookup(backend, self.physical_id)
            family = pl.address_family
            wanted = {e["Cidr"]: e for e in (_entry(x, family) for x in properties.get("Entries") or [])}
            have = {e["Cidr"]: e for e in current_entries(pl)}
            remove = [{"Cidr": c} for c, e in have.items() if wanted.get(c) != e]
            add = [e for c, e in wanted.items() if have.get(c) != e]
            limit = _max_entries(properties.get("MaxEntries"))
            if limit > int(pl.max_entries):  # grow first, so the new entries fit
                modify(backend, pl.id, max_entries=limit)
            if add or remove:
                modify(backend, pl.id, add_entry=add, remove_entry=remove)
            if limit < int(pl.max_entries):
                modify(backend, pl.id, max_entries=limit)
            if properties.get("PrefixListName") != pl.prefix_list_name:
                modify(backend, pl.id, prefix_list_name=properties.get("PrefixListName"))
            tags = self._tags(properties)
            stale = [t["key"] for t in pl.get_tags() if t["key"] not in tags]
            if stale:
                backend.delete_tags([pl.id], {k: "" for k in stale})
            if tags:
                backend.create_tags([pl.id], tags)
        return self._of(pl, properties)


def apply() -> str:
    patch(ManagedPrefixListBackend, "create_managed_prefix_list", create,
          corrects="MaxEntries not enforced, duplicate CIDRs and reserved names accepted")
    patch(VPCs, "modify_managed_prefix_list", modify_response,
          corrects="CurrentVersion, MaxEntries and CIDR keys ignored; the name erased; unknown ids a 500")
    patch(VPCs, "get_managed_prefix_list_entries", entries_response,
          corrects="unknown prefix lists and versions answer an empty list")
    patch(ManagedPrefixListBackend, "delete_managed_prefix_list", delete,
          corrects="unknown ids crash and AWS-managed lists can be deleted")
    return NAME
