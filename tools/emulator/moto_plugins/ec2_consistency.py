"""EC2's eventual consistency, switchable per region: what was just created or attached may be missing
from the next describes.

moto answers every describe from the state the last write left, so code that creates an interface and
describes it at once (or attaches it and reads the attachment back) always finds it. AWS documents the
opposite: the EC2 API is eventually consistent, and "a resource that you just created might not be
returned by a describe call" for a while (EC2 API Reference, "Eventual consistency in the Amazon EC2
API"). Code must use the ids a call returns, and retry a describe that misses what it just made.

Off by default. Switched on for one region (tests inject it in a region of their own, as they do
faults):

    POST   /_iac/consistency {"region": "eu-west-1", "describes": 1}
           in that region, every network interface created, every attachment made and every address
           allocated from now on is missing from the next `describes` (1..10) DescribeNetworkInterfaces
           or DescribeAddresses answers that would show it (an attachment: the interface is shown
           `available`, unattached); asking for it by id answers NotFound meanwhile
    GET    /_iac/consistency  {"regions": {"eu-west-1": 1}}
    DELETE /_iac/consistency  switches it off everywhere (so does a reset)

Bounded: each resource is hidden from at most `describes` answers, so a bounded retry finds it.
"""

from __future__ import annotations

import copy
import threading
from typing import Any

from moto.ec2.exceptions import InvalidAddressError, InvalidNetworkInterfaceIdError
from moto.ec2.models.elastic_ip_addresses import ElasticAddressBackend
from moto.ec2.models import elastic_network_interfaces
from moto.ec2.models.elastic_network_interfaces import NetworkInterfaceBackend
from moto.ec2.responses.elastic_ip_addresses import ElasticIPAddresses
from moto.ec2.responses.elastic_network_interfaces import ElasticNetworkInterfaces

from . import _control
from ._patching import patch

NAME = "ec2: eventual consistency per region (new interfaces, attachments and addresses missing from describes)"

_lock = threading.Lock()
# Region -> how many describes a new resource is missing from.
_regions: dict[str, int] = {}
# ("eni" | "attachment" | "address", id) -> describes it is still missing from.
_hidden: dict[tuple[str, str], int] = {}
_describing = threading.local()


def reset() -> None:
    with _lock:
        _regions.clear()
        _hidden.clear()


def control(method: str, body: Any) -> tuple[int, Any]:
    if method == "GET":
        with _lock:
            return 200, {"regions": dict(_regions)}
    if method == "DELETE":
        reset()
        return 200, {"regions": {}}
    if method == "POST":
        if not isinstance(body, dict) or set(body) - {"region", "describes"}:
            raise _control.BadRequest("expected {\"region\": <name>, \"describes\": 1..10}")
        region, describes = body.get("region"), body.get("describes", 1)
        if not isinstance(region, str) or not region:
            raise _control.BadRequest(f"'region' must be a region name, got {region!r}")
        if isinstance(describes, bool) or not isinstance(describes, int) or not 1 <= describes <= 10:
            raise _control.BadRequest(f"'describes' must be an integer 1..10, got {describes!r}")
        with _lock:
            _regions[region] = describes
        return 200, {"regions": dict(_regions)}
    return 405, {"error": f"{method} not allowed"}


def _hide(backend: Any, kind: str, key: str | None) -> None:
    if key is None:
        return
    with _lock:
        describes = _regions.get(backend.region_name)
        if describes:
            _hidden[(kind, key)] = describes


def _take(kind: str, key: str | None) -> bool:
    """Whether the resource is still missing from this answer (counting this answer)."""
    if key is None:
        return False
    with _lock:
        left = _hidden.get((kind, key), 0)
        if left <= 0:
            return False
        if left == 1:
            del _hidden[(kind, key)]
        else:
            _hidden[(kind, key)] = left - 1
        return True


def create_network_interface(original, self, *args: Any, **kwargs: Any) -> Any:
    eni = original(*args, **kwargs)
    _hide(self, "eni", eni.id)
    return eni


def attach_network_interface(original, self, *args: Any, **kwargs: Any) -> Any:
    attachment = original(*args, **kwargs)
    _hide(self, "attachment", attachment.attachment_id)
    return attachment


def allocate_address(original, self, *args: Any, **kwargs: Any) -> Any:
    address = original(*args, **kwargs)
    _hide(self, "address", address.allocation_id)
    return address


def _unattached(eni: Any) -> Any:
    view = copy.copy(eni)
    view.instance = None
    view.attachment_id = None
    view.attach_time = None
    view.device_index = None
    view.status = "available"
    return view


def generic_filter(original, filters: Any, objects: Any) -> Any:
    """The last step of moto's DescribeNetworkInterfaces: what was just made is left out."""
    shown = original(filters, objects)
    if not getattr(_describing, "interfaces", False):
        return shown  # moto's own lookups (and other resources) see everything
    by_id = bool(getattr(_describing, "eni_ids", None))
    visible = []
    for eni in shown:
        if _take("eni", eni.id):
            if by_id:
                raise InvalidNetworkInterfaceIdError(eni.id)
            continue
        if eni.attachment_id and _take("attachment", eni.attachment_id):
            if filters and any(k.startswith("attachment.") for k in filters):
                continue  # filtered on an attachment it does not show yet
            eni = _unattached(eni)
        visible.append(eni)
    return visible


def describe_addresses(original, self, allocation_ids: Any = None, public_ips: Any = None, filters: Any = None) -> Any:
    addresses = original(allocation_ids, public_ips, filters)
    if not getattr(_describing, "active", False):
        return addresses
    shown = []
    for address in addresses:
        if _take("address", getattr(address, "allocation_id", None)):
            if allocation_ids:
                raise InvalidAddressError(address.allocation_id)
            continue
        shown.append(address)
    return shown


def _describe_interfaces(original, self) -> Any:
    _describing.interfaces = True
    _describing.eni_ids = self._get_param("NetworkInterfaceIds", [])
    try:
        return original()
    finally:
        _describing.interfaces = False
        _describing.eni_ids = None


def _describe_addresses(original, self) -> Any:
    _describing.active = True
    try:
        return original()
    finally:
        _describing.active = False


def apply() -> str:
    patch(NetworkInterfaceBackend, "create_network_interface", create_network_interface,
          corrects="a new interface is in the very next describe (AWS: eventually consistent)")
    patch(NetworkInterfaceBackend, "attach_network_interface", attach_network_interface,
          corrects="a new attachment is in the very next describe (AWS: eventually consistent)")
    patch(ElasticAddressBackend, "allocate_address", allocate_address,
          corrects="a new address is in the very next describe (AWS: eventually consistent)")
    patch(elastic_network_interfaces, "generic_filter", generic_filter,
          corrects="(eventual consistency) interface describes hide what was just made")
    patch(ElasticAddressBackend, "describe_addresses", describe_addresses,
          corrects="(eventual consistency) describes hide what was just allocated")
    patch(ElasticNetworkInterfaces, "describe_network_interfaces", _describe_interfaces,
          corrects="(eventual consistency) only API describes are affected")
    patch(ElasticIPAddresses, "describe_addresses", _describe_addresses,
          corrects="(eventual consistency) only API describes are affected")
    _control.register("/_iac/consistency", control)
    _control.on_reset(reset)
    return NAME
