"""EC2 Auto Scaling lifecycle hooks that take effect, and the EC2 interface behaviour they rely on.

moto 5.2.5 stores lifecycle hooks but ignores them (instances go straight to InService and leave at
once), has no CompleteLifecycleAction or RecordLifecycleActionHeartbeat (500), emits no lifecycle
events, ignores `LifecycleHookSpecificationList` and skips `AWS::AutoScaling::LifecycleHook` in
templates, ignores ModifyNetworkInterfaceAttribute's `Attachment.DeleteOnTermination`, leaves every
interface attached to a terminated instance, and answers the DescribeNetworkInterfaces filters
`attachment.device-index` and `attachment.status` with a 500. With this plugin, as in AWS:

- Launch hooks (`autoscaling:EC2_INSTANCE_LAUNCHING`): an instance the group launches
  (CreateAutoScalingGroup, SetDesiredCapacity, UpdateAutoScalingGroup, replacements) waits in
  `Pending:Wait`, counting toward the group's capacity, until each hook's action is completed:
  CONTINUE puts it InService (and registers it with the group's target groups); ABANDON terminates it
  and, the desired capacity being unchanged, the group launches a replacement (which waits too).
- Terminate hooks (`autoscaling:EC2_INSTANCE_TERMINATING`): an instance removed by scale-in or
  TerminateInstanceInAutoScalingGroup waits in `Terminating:Wait` (still running, no longer counted,
  deregistered from target groups) until completed with CONTINUE or ABANDON, then is terminated and
  leaves the group.
- Each action has a token (uuid4). CompleteLifecycleAction and RecordLifecycleActionHeartbeat take
  the token or the instance ID; an action that is not pending (completed, expired, unknown, other
  hook or group) is a 400 `ValidationError` "No active Lifecycle Action found with instance ID <id>"
  (or "... with token <token>" when a token was given), AWS's wording.
- Timeouts: an action not completed within the hook's HeartbeatTimeout (restarted by each heartbeat,
  capped by the global timeout, min(100 x HeartbeatTimeout, 172800) s) gets the hook's DefaultResult.
  Timeouts are evaluated lazily, before every request moto dispatches through BaseResponse (EC2, Auto
  Scaling, SQS, EventBridge, CloudFormation, ...), so no thread runs in the background. The emulator
  accepts HeartbeatTimeout values below AWS's minimum of 30 s (any value >= 1) so that tests can
  wait 1-2 s.
- Each action is announced on the account's default event bus as AWS does (`source: aws.autoscaling`,
  `detail-type: EC2 Instance-launch Lifecycle Action` / `EC2 Instance-terminate Lifecycle Action`,
  `resources: [group ARN]`, detail with LifecycleActionToken, AutoScalingGroupName,
  LifecycleHookName, EC2InstanceId, LifecycleTransition, Origin, Destination and NotificationMetadata
  when the hook has some). Delivery goes target by target through moto's rule delivery (SQS, logs,
  other buses work; Lambda targets do not exist in moto) and a failed delivery never fails the call.
- `LifecycleHookSpecificationList` (CreateAutoScalingGroup and AWS::AutoScaling::AutoScalingGroup)
  creates the hooks before the first instances launch, so they wait. `AWS::AutoScaling::LifecycleHook`
  creates, updates and deletes a hook; like in AWS it is created after its group, so it applies to
  instances launched after it exists, not to the group's first ones.
- DeleteLifecycleHook completes the hook's outstanding actions (ABANDON for launching instances,
  CONTINUE for terminating ones); deleting a group deletes its hooks and outstanding actions and
  terminates its instances without waiting for terminate hooks (as ForceDelete and CloudFormation
  would eventually), so stack deletion never hangs.
- EC2: `ModifyNetworkInterfaceAttribute Attachment={AttachmentId, DeleteOnTermination}` is honoured
  (an AttachmentId that is not the interface's current one is `InvalidAttachmentID.NotFound`);
  interfaces created with an instance default to DeleteOnTermination=true as in AWS (moto: false);
  terminating an instance deletes its DeleteOnTermination interfaces (disassociating their Elastic
  IPs, which stay allocated) and detaches the others, which become `available`; terminating a
  terminated instance is a no-op. DescribeNetworkInterfaces supports `attachment.device-index`,
  `attachment.status` and `attachment.delete-on-termination`.

Not emulated: CloudFormation does not wait for instances in Pending:Wait (stacks complete at once),
an instance whose launch is abandoned is terminated without running terminate hooks, classic ELB
registration ignores lifecycle states, warm pools, and lifecycle notifications to SQS/SNS targets
(NotificationTargetARN) -- use an EventBridge rule.

It patches moto's own methods, captured when this module is imported (before any plugin is applied).
"""

from __future__ import annotations

import copy
import json
import logging
import math
import threading
import time
import weakref
from dataclasses import dataclass
from typing import Any

from moto.autoscaling import models as asg_models
from moto.autoscaling.exceptions import ValidationError
from moto.autoscaling.responses import AutoScalingResponse
from moto.core.common_models import CloudFormationModel
from moto.core.responses import BaseResponse, EmptyResult
from moto.core.utils import unix_time
from moto.ec2.exceptions import InvalidNetworkAttachmentIdError
from moto.ec2.models.elastic_network_interfaces import NetworkInterface
from moto.ec2.models.instances import Instance
from moto.ec2.responses.elastic_network_interfaces import ElasticNetworkInterfaces
from moto.moto_api._internal import mock_random

NAME = "autoscaling: lifecycle hooks (launch and terminate, timeouts, events, templates); ENI DeleteOnTermination and filters"

LAUNCHING = "autoscaling:EC2_INSTANCE_LAUNCHING"
TERMINATING = "autoscaling:EC2_INSTANCE_TERMINATING"
RESULTS = ("CONTINUE", "ABANDON")
COUNTED = ("Pending", "Pending:Wait", "Pending:Proceed", "InService")
MAX_GLOBAL_TIMEOUT = 172800

log = logging.getLogger(__name__)
_lock = threading.RLock()
# Backends with pending actions, so that the per-request sweep costs nothing when there are none.
_registry: "weakref.WeakSet[Any]" = weakref.WeakSet()

# moto's own methods, captured at import time: every plugin module is imported before any is
# applied, so these are never another plugin's wrappers.
_Group = asg_models.FakeAutoScalingGroup
_Backend = asg_models.AutoScalingBackend
_moto_replace = _Group.replace_autoscaling_group_instances
_moto_cfn_create = vars(_Group)["create_from_cloudformation_json"].__func__
_moto_delete_group = _Backend.delete_auto_scaling_group
_moto_delete_hook = _Backend.delete_lifecycle_hook
_moto_terminate_instance = _Backend.terminate_instance
_moto_detach_instances = _Backend.detach_instances
_moto_notify_terminate = _Backend.notify_terminate_instances
_moto_create_group_response = AutoScalingResponse.create_auto_scaling_group
_moto_modify_eni = ElasticNetworkInterfaces.modify_network_interface_attribute
_moto_eni_filter = NetworkInterface.get_filter_value
_moto_prep_nics = Instance.prep_nics
_moto_terminate = Instance.terminate
_moto_dispatch = BaseResponse._dispatch


@dataclass
class Action:
    token: str
    group: str
    hook: str
    instance_id: str
    transition: str
    heartbeat: int
    default_result: str
    deadline: float
    global_deadline: float


# --- pending actions -------------------------------------------------------------------------------


def _actions(backend) -> dict[str, Action]:
    """Pending actions of a backend, by token (lost with the backend's state on reset)."""
    actions = backend.__dict__.setdefault("_iac_lifecycle_actions", {})
    _registry.add(backend)
    return actions


def _bypass(backend) -> set[str]:
    """Groups being deleted: their instances leave without lifecycle hooks."""
    return backend.__dict__.setdefault("_iac_lifecycle_bypass", set())


def _hooks(backend, group_name: str, transition: str) -> list:
    if group_name in _bypass(backend):
        return []
    return [
        h for h in backend.lifecycle_hooks.values()
        if h.auto_scaling_group_name == group_name and h.lifecycle_transition == transition
    ]


def _pending(backend, instance_id: str) -> list[Action]:
    return [a for a in _actions(backend).values() if a.instance_id == instance_id]


def _drop(backend, instance_id: str) -> None:
    actions = _actions(backend)
    for action in _pending(backend, instance_id):
        actions.pop(action.token, None)


def _state(group, instance_id: str):
    return next((s for s in group.instance_states if s.instance.id == instance_id), None)


def _start(group, state, transition: str, hooks: list) -> None:
    backend = group.autoscaling_backend
    actions = _actions(backend)
    state.lifecycle_state = "Pending:Wait" if transition == LAUNCHING else "Terminating:Wait"
    for hook in hooks:
        heartbeat = max(int(hook.heartbeat_timeout or 3600), 1)
        now = time.monotonic()
        action = Action(
            token=str(mock_random.uuid4()),
            group=group.name,
            hook=hook.name,
            instance_id=state.instance.id,
            transition=transition,
            heartbeat=heartbeat,
            default_result=hook.default_result if hook.default_result in RESULTS else "ABANDON",
            deadline=now + heartbeat,
            global_deadline=now + min(100 * heartbeat, MAX_GLOBAL_TIMEOUT),
        )
        actions[action.token] = action
        _announce(group, action, getattr(hook, "notification_metadata", None))


def _complete(backend, action: Action, result: str) -> None:
    actions = _actions(backend)
    actions.pop(action.token, None)
    group = backend.autoscaling_groups.get(action.group)
    state = _state(group, action.instance_id) if group is not None else None
    if state is None:
        _drop(backend, action.instance_id)
        return
    if action.transition == LAUNCHING:
        if result == "ABANDON":
            _drop(backend, action.instance_id)
            state.lifecycle_state = "Terminating"
            _terminate_now(group, [state])
            group.set_desired_capacity(group.desired_capacity)  # a replacement, as AWS launches one
        elif not _pending(backend, action.instance_id):
            state.lifecycle_state = "InService"
            backend.update_attached_elbs(group.name)
            backend.update_attached_target_groups(group.name)
    else:
        if result == "ABANDON":  # stops the remaining hooks' actions; the instance terminates anyway
            _drop(backend, action.instance_id)
        if not _pending(backend, action.instance_id):
            state.lifecycle_state = "Terminating:Proceed"
            _terminate_now(group, [state])


def _sweep() -> None:
    """Gives expired actions their hook's default result."""
    if not _registry:
        return
    with _lock:
        now = time.monotonic()
        for backend in list(_registry):
            actions = backend.__dict__.get("_iac_lifecycle_actions")
            if not actions:
                _registry.discard(backend)
                continue
            expired = sorted(
                (a for a in actions.values() if min(a.deadline, a.global_deadline) <= now), key=lambda a: a.deadline
            )
            for action in expired:
                if action.token in actions:
                    _complete(backend, action, action.default_result)


def _find(backend, group_name: str, hook_name: str, token: str | None, instance_id: str | None) -> Action:
    for action in _actions(backend).values():
        if action.group != group_name or action.hook != hook_name:
            continue
        if token and action.token == token and (not instance_id or action.instance_id == instance_id):
            return action
        if not token and instance_id and action.instance_id == instance_id:
            return action
    if token:
        raise ValidationError(f"No active Lifecycle Action found with token {token}")
    if instance_id:
        raise ValidationError(f"No active Lifecycle Action found with instance ID {instance_id}")
    raise ValidationError("Either LifecycleActionToken or InstanceId must be specified.")


# --- events ----------------------------------------------------------------------------------------


def _announce(group, action: Action, metadata: str | None) -> None:
    """Sends the lifecycle event to the default bus, target by target; never raises."""
    launching = action.transition == LAUNCHING
    detail: dict[str, Any] = {
        "Origin": "EC2" if launching else "AutoScalingGroup",
        "Destination": "AutoScalingGroup" if launching else "EC2",
        "LifecycleActionToken": action.token,
        "AutoScalingGroupName": action.group,
        "LifecycleHookName": action.hook,
        "EC2InstanceId": action.instance_id,
        "LifecycleTransition": action.transition,
    }
    if metadata:
        detail["NotificationMetadata"] = metadata
    try:
        from moto.events.models import _BASE_EVENT_MESSAGE, events_backends

        events = events_backends[group.account_id][group.region]
        bus = events.event_buses.get("default")
        if bus is None:
            return
        event = copy.deepcopy(_BASE_EVENT_MESSAGE)
        event.update(
            {
                "id": str(mock_random.uuid4()),
                "detail-type": f"EC2 Instance-{'launch' if launching else 'terminate'} Lifecycle Action",
                "source": "aws.autoscaling",
                "account": group.account_id,
                "time": unix_time(),
                "region": group.region,
                "resources": [group.arn],
                "detail": detail,
                "ingestion-time": unix_time(),
            }
        )
    except Exception:  # noqa: BLE001 - events are best effort, as for AWS service events
        log.warning("lifecycle event for %s not built", action.instance_id, exc_info=True)
        return
    for rule in list(bus.rules.values()):
        if getattr(rule, "state", "ENABLED") == "DISABLED":
            continue
        for target in list(rule.targets):
            single = copy.copy(rule)
            single.targets = [target]
            try:
                single.send_to_targets(copy.deepcopy(event))
            except Exception:  # noqa: BLE001 - e.g. Lambda targets, which moto cannot invoke
                log.warning("lifecycle event not delivered to %s", target.get("Arn"), exc_info=True)


# --- instances leaving -----------------------------------------------------------------------------


def _deregister(group, instance_ids: list[str]) -> None:
    backend = group.autoscaling_backend
    if not group.target_group_arns or not instance_ids:
        return
    try:
        target_groups = backend.elbv2_backend.describe_target_groups(
            target_group_arns=group.target_group_arns, load_balancer_arn=None, names=None
        )
    except Exception:  # noqa: BLE001 - target groups can be deleted before their group
        return
    for target_group in target_groups:
        for instance_id in instance_ids:
            try:
                backend.elbv2_backend.deregister_targets(target_group.arn, [{"Id": instance_id, "Port": target_group.port}])
            except Exception:  # noqa: BLE001 - not registered
                pass


def _terminate_now(group, states: list) -> None:
    if not states:
        return
    backend = group.autoscaling_backend
    ids = [s.instance.id for s in states]
    for instance_id in ids:
        _drop(backend, instance_id)
    group.instance_states = [s for s in group.instance_states if s.instance.id not in ids]
    backend.ec2_backend.terminate_instances(ids)
    try:
        backend.elbv2_backend.notify_terminate_instances(ids)
    except Exception:  # noqa: BLE001
        pass


def _begin_termination(group, states: list) -> None:
    """Scale-in or TerminateInstanceInAutoScalingGroup: Terminating:Wait if the group has terminate hooks."""
    backend = group.autoscaling_backend
    hooks = _hooks(backend, group.name, TERMINATING)
    now = []
    for state in states:
        _drop(backend, state.instance.id)
        if hooks:
            _deregister(group, [state.instance.id])
            _start(group, state, TERMINATING, hooks)
        else:
            now.append(state)
    _terminate_now(group, now)


def _target_instances(group) -> int:
    """The number of instances the desired capacity asks for (moto's mixed-instances arithmetic)."""
    target = group.desired_capacity or 0
    policy = group.mixed_instances_policy or {}
    overrides = policy.get("LaunchTemplate", {}).get("Overrides", []) if policy else []
    if not overrides:
        return target
    distribution = policy.get("InstancesDistribution", {})
    base = int(distribution.get("OnDemandBaseCapacity", 0))
    percent = int(distribution.get("OnDemandPercentageAboveBaseCapacity", 100))
    weight_str = str(overrides[0].get("WeightedCapacity", "1"))
    weight = (int(weight_str) if weight_str.isdigit() else 1) or 1
    if base >= target:
        on_demand, spot = target, 0
    else:
        above = target - base
        on_demand_above = int(above * percent) / 100.0
        spot = int(above - on_demand_above)
        on_demand = int(base + on_demand_above)
    return math.ceil(on_demand / weight) + math.ceil(spot / weight)


# --- hooks -----------------------------------------------------------------------------------------


def _put_hook(backend, group_name: str, spec: dict[str, Any], from_spec: bool = False):
    """PutLifecycleHook semantics (create, or update keeping what is not given)."""
    name = spec.get("LifecycleHookName")
    if not name:
        raise ValidationError("LifecycleHookName is required.")
    existing = backend.lifecycle_hooks.get(f"{group_name}_{name}")

    def pick(key: str, attr: str) -> Any:
        value = spec.get(key)
        if value in (None, "") and existing is not None:
            return getattr(existing, attr, None)
        return value

    transition = pick("LifecycleTransition", "lifecycle_transition")
    if transition not in (LAUNCHING, TERMINATING):
        raise ValidationError(f"Invalid value for LifecycleTransition: {transition}")
    timeout = pick("HeartbeatTimeout", "heartbeat_timeout")
    timeout = int(timeout) if timeout not in (None, "") else 3600
    if not 1 <= timeout <= 7200:  # AWS: 30..7200; the emulator accepts short timeouts for tests
        raise ValidationError(f"HeartbeatTimeout must be between 30 and 7200 seconds, got {timeout}")
    result = pick("DefaultResult", "default_result") or "ABANDON"
    if result not in RESULTS:
        raise ValidationError(f"Invalid value for DefaultResult: {result}. Valid values: CONTINUE, ABANDON")
    hook = backend.create_lifecycle_hook(name=name, as_name=group_name, transition=transition, timeout=timeout, result=result)
    hook.global_timeout = min(100 * timeout, MAX_GLOBAL_TIMEOUT)
    hook.notification_metadata = pick("NotificationMetadata", "notification_metadata")
    for key, attr in (("NotificationTargetARN", "notification_target_arn"), ("RoleARN", "role_arn")):
        if pick(key, attr) is not None:
            setattr(hook, attr, pick(key, attr))
    hook._iac_from_spec = from_spec
    return hook


def _hooks_of(backend, group_name: str) -> list[str]:
    return [k for k, h in backend.lifecycle_hooks.items() if h.auto_scaling_group_name == group_name]


class LifecycleHookResource(CloudFormationModel):
    """AWS::AutoScaling::LifecycleHook (Ref: the hook's name)."""

    def __init__(self, group_name: str, name: str):
        self.group_name = group_name
        self.name = name

    @staticmethod
    def cloudformation_name_type() -> str:
        return "LifecycleHookName"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::AutoScaling::LifecycleHook"

    @property
    def physical_resource_id(self) -> str:
        return self.name

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
    ) -> "LifecycleHookResource":
        properties = dict(cloudformation_json.get("Properties", {}))
        properties["LifecycleHookName"] = properties.get("LifecycleHookName") or resource_name
        group_name = properties.get("AutoScalingGroupName")
        backend = asg_models.autoscaling_backends[account_id][region_name]
        if group_name not in backend.autoscaling_groups:
            raise ValidationError(f"AutoScalingGroup name not found - {group_name}")
        with _lock:
            _put_hook(backend, group_name, properties)
        return cls(group_name, properties["LifecycleHookName"])

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls, original_resource: Any, new_resource_name: str, cloudformation_json: Any, account_id: str, region_name: str
    ) -> "LifecycleHookResource":
        properties = cloudformation_json.get("Properties", {})
        name = properties.get("LifecycleHookName") or new_resource_name
        if (properties.get("AutoScalingGroupName"), name) != (original_resource.group_name, original_resource.name):
            original_resource.delete(account_id, region_name)
        return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str
    ) -> None:
        group_name = cloudformation_json.get("Properties", {}).get("AutoScalingGroupName")
        cls(group_name, resource_name).delete(account_id, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        backend = asg_models.autoscaling_backends[account_id][region_name]
        backend.delete_lifecycle_hook(self.group_name, self.name)  # gone already is fine


# --- patches ---------------------------------------------------------------------------------------


def _patch_autoscaling() -> None:
    def active_instances(self) -> list:
        # Instances waiting on a launch action count toward capacity; terminating ones do not.
        return [s for s in self.instance_states if s.lifecycle_state in COUNTED]

    def replace_autoscaling_group_instances(self, count_needed: int, propagated_tags: dict[str, str]) -> None:
        with _lock:
            before = {id(s) for s in self.instance_states}
            _moto_replace(self, count_needed, propagated_tags)
            hooks = _hooks(self.autoscaling_backend, self.name, LAUNCHING)
            if hooks:
                for state in [s for s in self.instance_states if id(s) not in before]:
                    _start(self, state, LAUNCHING, hooks)

    def set_desired_capacity(self, new_capacity: int | None) -> None:
        with _lock:
            self.desired_capacity = self.min_size if new_capacity is None else new_capacity
            counted = self.active_instances()
            delta = _target_instances(self) - len(counted)
            if delta > 0:
                self.replace_autoscaling_group_instances(delta, self.get_propagated_tags())
            elif delta < 0:
                _begin_termination(self, [s for s in counted if not s.protected_from_scale_in][:-delta])
            if self.name in self.autoscaling_backend.autoscaling_groups:
                self.autoscaling_backend.update_attached_elbs(self.name)
                self.autoscaling_backend.update_attached_target_groups(self.name)

    def cfn_create(cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any):
        backend = asg_models.autoscaling_backends[account_id][region_name]
        specs = cloudformation_json.get("Properties", {}).get("LifecycleHookSpecificationList", []) or []
        with _lock:
            created = [_put_hook(backend, resource_name, spec, from_spec=True) for spec in specs]
            try:
                return _moto_cfn_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
            except Exception:
                for hook in created:
                    backend.lifecycle_hooks.pop(f"{resource_name}_{hook.name}", None)
                raise

    def cfn_update(cls, original_resource, new_resource_name: str, cloudformation_json: Any, account_id: str, region_name: str):
        # moto replaces the group on update; keep the hooks that AWS::AutoScaling::LifecycleHook
        # resources or PutLifecycleHook added (those of the spec list are recreated from it).
        backend = asg_models.autoscaling_backends[account_id][region_name]
        with _lock:
            kept = [
                h for h in backend.lifecycle_hooks.values()
                if h.auto_scaling_group_name == original_resource.name and not getattr(h, "_iac_from_spec", False)
            ]
            cls.delete_from_cloudformation_json(original_resource.name, cloudformation_json, account_id, region_name)
            if new_resource_name == original_resource.name:
                for hook in kept:
                    backend.lifecycle_hooks.setdefault(f"{hook.auto_scaling_group_name}_{hook.name}", hook)
            return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)

    _Group.active_instances = active_instances
    _Group.replace_autoscaling_group_instances = replace_autoscaling_group_instances
    _Group.set_desired_capacity = set_desired_capacity
    _Group.create_from_cloudformation_json = classmethod(cfn_create)
    _Group.update_from_cloudformation_json = classmethod(cfn_update)

    def update_attached_target_groups(self, group_name: str) -> None:
        # Only instances in service are registered (moto registers waiting ones too).
        group = self.autoscaling_groups[group_name]
        if not group.target_group_arns:
            return
        ids = [s.instance.id for s in group.instance_states if s.lifecycle_state == "InService"]
        target_groups = self.elbv2_backend.describe_target_groups(
            target_group_arns=group.target_group_arns, load_balancer_arn=None, names=None
        )
        for target_group in target_groups:
            self.elbv2_backend.register_targets(target_group.arn, [{"Id": i, "Port": target_group.port} for i in ids])

    def delete_auto_scaling_group(self, group_name: str) -> None:
        with _lock:
            group = self.autoscaling_groups.get(group_name)
            if group is None:
                return _moto_delete_group(self, group_name)  # moto's error
            bypass = _bypass(self)
            bypass.add(group_name)
            try:
                for action in [a for a in _actions(self).values() if a.group == group_name]:
                    _actions(self).pop(action.token, None)
                _terminate_now(group, [s for s in group.instance_states if s.lifecycle_state.startswith("Terminating")])
                _moto_delete_group(self, group_name)
            finally:
                bypass.discard(group_name)
            if group_name not in self.autoscaling_groups:
                for key in _hooks_of(self, group_name):
                    self.lifecycle_hooks.pop(key, None)

    def delete_lifecycle_hook(self, as_name: str, name: str) -> None:
        with _lock:
            _moto_delete_hook(self, as_name, name)
            for action in [a for a in _actions(self).values() if a.group == as_name and a.hook == name]:
                if action.token in _actions(self):
                    _complete(self, action, "ABANDON" if action.transition == LAUNCHING else "CONTINUE")

    def terminate_instance(self, instance_id: str, should_decrement: bool):
        with _lock:
            state = next((s for g in self.autoscaling_groups.values() for s in g.instance_states if s.instance.id == instance_id), None)
            if state is None:
                raise ValidationError(f"Instance Id not found - No managed instance found for instance ID: {instance_id}")
            group = state.instance.autoscaling_group
            original_size = group.desired_capacity
            if state.lifecycle_state.startswith("Terminating"):
                return asg_models.TerminateInstanceActivity(state.instance, original_size)
            if not _hooks(self, group.name, TERMINATING):
                _drop(self, instance_id)
                return _moto_terminate_instance(self, instance_id, should_decrement)
            if should_decrement:
                group.desired_capacity = original_size - 1
            _begin_termination(group, [state])
            group.set_desired_capacity(group.desired_capacity)  # a replacement unless decremented
            return asg_models.TerminateInstanceActivity(state.instance, original_size)

    def detach_instances(self, group_name: str, instance_ids: list[str], should_decrement: bool):
        with _lock:
            for instance_id in instance_ids:
                _drop(self, instance_id)
            return _moto_detach_instances(self, group_name, instance_ids, should_decrement)

    def notify_terminate_instances(self, instance_ids: list[str]) -> None:
        # TerminateInstances called on EC2 directly: the instances' actions end with them.
        with _lock:
            for instance_id in instance_ids:
                _drop(self, instance_id)
            return _moto_notify_terminate(self, instance_ids)

    _Backend.update_attached_target_groups = update_attached_target_groups
    _Backend.delete_auto_scaling_group = delete_auto_scaling_group
    _Backend.delete_lifecycle_hook = delete_lifecycle_hook
    _Backend.terminate_instance = terminate_instance
    _Backend.detach_instances = detach_instances
    _Backend.notify_terminate_instances = notify_terminate_instances

    def create_auto_scaling_group(self):
        specs = self._get_param("LifecycleHookSpecificationList", []) or []
        group_name = self._get_param("AutoScalingGroupName")
        backend = self.autoscaling_backend
        with _lock:
            created = [_put_hook(backend, group_name, spec, from_spec=True) for spec in specs]
            try:
                return _moto_create_group_response(self)
            except Exception:
                for hook in created:
                    backend.lifecycle_hooks.pop(f"{group_name}_{hook.name}", None)
                raise

    def put_lifecycle_hook(self):
        spec = {
            key: self._get_param(key)
            for key in (
                "LifecycleHookName", "LifecycleTransition", "HeartbeatTimeout", "DefaultResult",
                "NotificationMetadata", "NotificationTargetARN", "RoleARN",
            )
        }
        with _lock:
            _put_hook(self.autoscaling_backend, self._get_param("AutoScalingGroupName"), spec)
        return EmptyResult()

    def complete_lifecycle_action(self):
        result = self._get_param("LifecycleActionResult")
        if result not in RESULTS:
            raise ValidationError(f"Invalid value for LifecycleActionResult: {result}. Valid values: CONTINUE, ABANDON")
        backend = self.autoscaling_backend
        with _lock:
            action = _find(
                backend,
                self._get_param("AutoScalingGroupName"),
                self._get_param("LifecycleHookName"),
                self._get_param("LifecycleActionToken"),
                self._get_param("InstanceId"),
            )
            _complete(backend, action, result)
        return EmptyResult()

    def record_lifecycle_action_heartbeat(self):
        with _lock:
            action = _find(
                self.autoscaling_backend,
                self._get_param("AutoScalingGroupName"),
                self._get_param("LifecycleHookName"),
                self._get_param("LifecycleActionToken"),
                self._get_param("InstanceId"),
            )
            action.deadline = min(time.monotonic() + action.heartbeat, action.global_deadline)
        return EmptyResult()

    AutoScalingResponse.create_auto_scaling_group = create_auto_scaling_group
    AutoScalingResponse.put_lifecycle_hook = put_lifecycle_hook
    AutoScalingResponse.complete_lifecycle_action = complete_lifecycle_action
    AutoScalingResponse.record_lifecycle_action_heartbeat = record_lifecycle_action_heartbeat

    def _dispatch(self, request: Any, full_url: str | None = None, headers: Any = None):
        try:
            _sweep()
        except Exception:  # noqa: BLE001 - never fail a request because a timeout could not apply
            log.warning("lifecycle timeouts not applied", exc_info=True)
        return _moto_dispatch(self, request, full_url, headers)

    BaseResponse._dispatch = _dispatch


def _patch_ec2() -> None:
    def modify_network_interface_attribute(self):
        attachment_id = self._get_param("Attachment.AttachmentId")
        delete = self._get_param("Attachment.DeleteOnTermination")
        eni = None
        if attachment_id is not None or delete is not None:
            eni = self.ec2_backend.get_network_interface(self._get_param("NetworkInterfaceId"))
            if not attachment_id or eni.attachment_id != attachment_id:
                raise InvalidNetworkAttachmentIdError(attachment_id)
        out = _moto_modify_eni(self)
        if eni is not None and delete is not None:
            eni.delete_on_termination = str(delete).lower() == "true"
        return out

    def get_filter_value(self, filter_name: str, method_name: str | None = None) -> Any:
        attached = bool(self.attachment_id)
        if filter_name == "attachment.device-index":
            return self.device_index if attached else None
        if filter_name == "attachment.status":
            return "attached" if attached else None
        if filter_name == "attachment.delete-on-termination":
            return bool(self.delete_on_termination) if attached else None
        return _moto_eni_filter(self, filter_name, method_name)

    def prep_nics(self, nic_spec: list[dict[str, Any]], *args: Any, **kwargs: Any) -> None:
        _moto_prep_nics(self, nic_spec, *args, **kwargs)
        # Interfaces created with the instance are deleted with it unless told otherwise, as in AWS.
        existing, explicit = set(), {}
        for nic in nic_spec or []:
            index = int(nic.get("DeviceIndex", 0))
            if nic.get("NetworkInterfaceId"):
                existing.add(index)
            elif nic.get("DeleteOnTermination") is not None:
                explicit[index] = str(nic["DeleteOnTermination"]).lower() == "true"
        for index, eni in self.nics.items():
            if index not in existing:
                eni.delete_on_termination = explicit.get(index, True)

    def terminate(self):
        if self._state.name == "terminated":
            return copy.copy(self._state)
        backend = self.ec2_backend
        nics = list(self.nics.items())
        doomed = [eni for _, eni in nics if eni.delete_on_termination]
        for eni in doomed:  # deleted below, with their addresses
            eni.delete_on_termination = False
        try:
            previous = _moto_terminate(self)
        finally:
            for eni in doomed:
                eni.delete_on_termination = True
        for index, eni in nics:
            if eni in doomed:
                for address in backend.addresses:
                    if address.eni is eni:  # the address stays allocated, unassociated
                        address.eni = None
                        address.instance = None
                        address.association_id = None
                eni.public_ip = None
                if eni.id in backend.enis:
                    eni.delete()
            else:
                for address in backend.addresses:
                    if address.instance is self:
                        address.instance = None
                eni.instance = None
                eni.attachment_id = None
                eni.attach_time = None
                eni.status = "available"
                eni.device_index = None
                if index != 0:  # moto describes a terminated instance from its primary interface
                    self.nics.pop(index, None)
        return previous

    ElasticNetworkInterfaces.modify_network_interface_attribute = modify_network_interface_attribute
    NetworkInterface.get_filter_value = get_filter_value
    Instance.prep_nics = prep_nics
    Instance.terminate = terminate


def apply() -> str:
    _patch_autoscaling()
    _patch_ec2()
    return NAME
