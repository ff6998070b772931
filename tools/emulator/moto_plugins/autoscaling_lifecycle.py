"""EC2 Auto Scaling lifecycle hooks that take effect: the lifecycle state machine.

moto 5.2.5 stores lifecycle hooks but ignores them (instances go straight to InService and leave at
once), has no CompleteLifecycleAction or RecordLifecycleActionHeartbeat (500), emits no lifecycle
events and ignores `LifecycleHookSpecificationList`. With this plugin, as the EC2 Auto Scaling User
Guide ("Amazon EC2 Auto Scaling lifecycle hooks") documents:

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
  wait 1-2 s; `POST /_iac/clock {"speedup": N}` (`_clock.py`) shortens the timeouts of actions
  started afterwards N times.
- Each action is announced on the account's default event bus as AWS does (`source: aws.autoscaling`,
  `detail-type: EC2 Instance-launch Lifecycle Action` / `EC2 Instance-terminate Lifecycle Action`,
  `resources: [group ARN]`, detail with LifecycleActionToken, AutoScalingGroupName,
  LifecycleHookName, EC2InstanceId, LifecycleTransition, Origin, Destination and NotificationMetadata
  when the hook has some). Delivery goes target by target through moto's rule delivery (SQS, logs,
  other buses; Lambda targets through lambda_runner, which runs the function) and a failed delivery
  never fails the call (it is logged to stderr).
- The results are announced too, as AWS sends them: `EC2 Instance Launch Successful` when an instance
  goes InService (with or without launch hooks), `EC2 Instance Launch Unsuccessful` (StatusCode
  Cancelled) when its launch is abandoned, and `EC2 Instance Terminate Successful` when it leaves,
  each with the group ARN and the instance ARN in `resources` and StatusCode, ActivityId,
  EC2InstanceId, Details (Availability Zone, Subnet ID), Cause, StartTime and EndTime in the detail.
- `LifecycleHookSpecificationList` (CreateAutoScalingGroup and AWS::AutoScaling::AutoScalingGroup)
  creates the hooks before the first instances launch, so they wait. (`AWS::AutoScaling::LifecycleHook`
  is in cloudformation_resource_types.py, built on `put_hook` here.)
- DeleteLifecycleHook completes the hook's outstanding actions (ABANDON for launching instances,
  CONTINUE for terminating ones); deleting a group deletes its hooks and outstanding actions and
  terminates its instances without waiting for terminate hooks (as ForceDelete and CloudFormation
  would eventually), so stack deletion never hangs.

The EC2 side (interfaces deleted or detached when an instance terminates) is in ec2_interfaces.py.

Not emulated: CloudFormation does not wait for instances in Pending:Wait (stacks complete at once),
an instance whose launch is abandoned is terminated without running terminate hooks, classic ELB
registration ignores lifecycle states, warm pools, and lifecycle notifications to SQS/SNS targets
(NotificationTargetARN) -- use an EventBridge rule.
"""

from __future__ import annotations

import copy
import logging
import math
import threading
import time
import weakref
from datetime import datetime, timezone
from dataclasses import dataclass
from typing import Any

import requests
from moto.autoscaling import models as asg_models
from moto.autoscaling.exceptions import ValidationError
from moto.autoscaling.responses import AutoScalingResponse
from moto.core.responses import BaseResponse, EmptyResult
from moto.core.utils import unix_time
from moto.elbv2.exceptions import InvalidTargetError, TargetGroupNotFoundError
from moto.events.models import _BASE_EVENT_MESSAGE, events_backends
from moto.moto_api._internal import mock_random

from . import _clock
from ._errors import SERVICE_ERRORS
from ._patching import patch

NAME = "autoscaling: lifecycle hooks (launch and terminate, timeouts, events, LifecycleHookSpecificationList)"

LAUNCHING = "autoscaling:EC2_INSTANCE_LAUNCHING"
TERMINATING = "autoscaling:EC2_INSTANCE_TERMINATING"
RESULTS = ("CONTINUE", "ABANDON")
COUNTED = ("Pending", "Pending:Wait", "Pending:Proceed", "InService")
MAX_GLOBAL_TIMEOUT = 172800

log = logging.getLogger(__name__)
# Every change to groups, hooks and pending actions holds this lock (moto's server is threaded).
lock = threading.RLock()
# Backends with pending actions, so that the per-request sweep costs nothing when there are none.
_registry: "weakref.WeakSet[Any]" = weakref.WeakSet()

_Group = asg_models.FakeAutoScalingGroup
_Backend = asg_models.AutoScalingBackend

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
            deadline=now + _clock.scaled(heartbeat),
            global_deadline=now + _clock.scaled(min(100 * heartbeat, MAX_GLOBAL_TIMEOUT)),
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
            _result(group, state, "EC2 Instance Launch Unsuccessful", "Cancelled",
                    f"an instance launch was abandoned by lifecycle hook {action.hook} (ABANDON)")
            _terminate_now(group, [state], announce=False)
            group.set_desired_capacity(group.desired_capacity)  # a replacement, as AWS launches one
        elif not _pending(backend, action.instance_id):
            state.lifecycle_state = "InService"
            _launched(group, state)
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
    with lock:
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
    """Sends the lifecycle event to the default bus, target by target; a failed delivery is logged."""
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
    _emit(group, f"EC2 Instance-{'launch' if launching else 'terminate'} Lifecycle Action", detail, [group.arn])


def _result(group, state, detail_type: str, status: str, cause: str) -> None:
    """The result event of a launch or termination (EC2 Instance Launch Successful, ...), as AWS sends it."""
    instance = state.instance
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    subnet = getattr(instance, "subnet_id", None) or ""
    placement = getattr(instance, "placement", None)
    zone = getattr(placement, "zone", placement) or ""
    detail = {
        "StatusCode": status,
        "Description": cause.split(":")[0] + f": {instance.id}",
        "AutoScalingGroupName": group.name,
        "ActivityId": str(mock_random.uuid4()),
        "Details": {"Availability Zone": str(zone), "Subnet ID": str(subnet)},
        "RequestId": str(mock_random.uuid4()),
        "StatusMessage": "",
        "EndTime": now,
        "EC2InstanceId": instance.id,
        "StartTime": now,
        "Cause": f"At {now} {cause}",
    }
    resources = [group.arn, f"arn:aws:ec2:{group.region}:{group.account_id}:instance/{instance.id}"]
    _emit(group, detail_type, detail, resources)


def _emit(group, detail_type: str, detail: dict[str, Any], resources: list[str]) -> None:
    """Sends an aws.autoscaling event to the default bus, target by target; a failed delivery is logged."""
    events = events_backends[group.account_id][group.region]
    bus = events.event_buses.get("default")
    if bus is None:
        return
    event = copy.deepcopy(_BASE_EVENT_MESSAGE)
    event.update(
        {
            "id": str(mock_random.uuid4()),
            "detail-type": detail_type,
            "source": "aws.autoscaling",
            "account": group.account_id,
            "time": unix_time(),
            "region": group.region,
            "resources": resources,
            "detail": detail,
            "ingestion-time": unix_time(),
        }
    )
    for rule in list(bus.rules.values()):
        if getattr(rule, "state", "ENABLED") == "DISABLED":
            continue
        for target in list(rule.targets):
            single = copy.copy(rule)
            single.targets = [target]
            try:
                single.send_to_targets(copy.deepcopy(event))
            except (NotImplementedError, *SERVICE_ERRORS, requests.RequestException):
                # A target that is gone: AWS retries and then drops the event, and the Auto Scaling
                # call succeeds either way.
                log.warning("%s event not delivered to %s", detail_type, target.get("Arn"), exc_info=True)


# --- instances leaving -----------------------------------------------------------------------------


def _deregister(group, instance_ids: list[str]) -> None:
    backend = group.autoscaling_backend
    if not group.target_group_arns or not instance_ids:
        return
    try:
        target_groups = backend.elbv2_backend.describe_target_groups(
            target_group_arns=group.target_group_arns, load_balancer_arn=None, names=None
        )
    except TargetGroupNotFoundError:  # target groups can be deleted before their group
        return
    for target_group in target_groups:
        for instance_id in instance_ids:
            try:
                backend.elbv2_backend.deregister_targets(target_group.arn, [{"Id": instance_id, "Port": target_group.port}])
            except InvalidTargetError:  # not registered
                pass


def _launched(group, state) -> None:
    _result(group, state, "EC2 Instance Launch Successful", "InProgress",
            "an instance was started in response to a difference between desired and actual capacity")


def _terminate_now(group, states: list, announce: bool = True) -> None:
    if not states:
        return
    backend = group.autoscaling_backend
    ids = [s.instance.id for s in states]
    if announce:
        for state in states:
            _result(group, state, "EC2 Instance Terminate Successful", "InProgress",
                    "an instance was taken out of service in response to a difference between desired and actual capacity")
    for instance_id in ids:
        _drop(backend, instance_id)
    group.instance_states = [s for s in group.instance_states if s.instance.id not in ids]
    backend.ec2_backend.terminate_instances(ids)
    backend.elbv2_backend.notify_terminate_instances(ids)


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


def put_hook(backend, group_name: str, spec: dict[str, Any], from_spec: bool = False):
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


# --- patches ---------------------------------------------------------------------------------------


def active_instances(original, self) -> list:
    """moto counts every instance; AWS counts waiting launches toward capacity, not terminating ones."""
    return [s for s in self.instance_states if s.lifecycle_state in COUNTED]


def replace_autoscaling_group_instances(original, self, count_needed: int, propagated_tags: dict[str, str]) -> None:
    """moto puts new instances InService at once; with launch hooks AWS holds them in Pending:Wait."""
    with lock:
        before = {id(s) for s in self.instance_states}
        original(count_needed, propagated_tags)
        hooks = _hooks(self.autoscaling_backend, self.name, LAUNCHING)
        for state in [s for s in self.instance_states if id(s) not in before]:
            if hooks:
                _start(self, state, LAUNCHING, hooks)
            else:
                _launched(self, state)


def set_desired_capacity(original, self, new_capacity: int | None) -> None:
    """moto terminates scaled-in instances at once; with terminate hooks AWS holds them in
    Terminating:Wait (the whole of moto's method is replaced: its arithmetic counts every instance)."""
    with lock:
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


def group_create_from_cloudformation_json(original, cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any):
    """moto ignores the group's LifecycleHookSpecificationList; AWS creates the hooks before launching."""
    backend = asg_models.autoscaling_backends[account_id][region_name]
    specs = cloudformation_json.get("Properties", {}).get("LifecycleHookSpecificationList", []) or []
    with lock:
        created = [put_hook(backend, resource_name, spec, from_spec=True) for spec in specs]
        try:
            return original(resource_name, cloudformation_json, account_id, region_name, **kwargs)
        except BaseException:
            for hook in created:  # undo, then let moto's error through
                backend.lifecycle_hooks.pop(f"{resource_name}_{hook.name}", None)
            raise


def group_update_from_cloudformation_json(original, cls, original_resource, new_resource_name: str, cloudformation_json: Any, account_id: str, region_name: str):
    """moto replaces the group on update and loses its hooks; AWS keeps the hooks that
    AWS::AutoScaling::LifecycleHook resources or PutLifecycleHook added (those of the spec list are
    recreated from it)."""
    backend = asg_models.autoscaling_backends[account_id][region_name]
    with lock:
        kept = [
            h for h in backend.lifecycle_hooks.values()
            if h.auto_scaling_group_name == original_resource.name and not getattr(h, "_iac_from_spec", False)
        ]
        cls.delete_from_cloudformation_json(original_resource.name, cloudformation_json, account_id, region_name)
        if new_resource_name == original_resource.name:
            for hook in kept:
                backend.lifecycle_hooks.setdefault(f"{hook.auto_scaling_group_name}_{hook.name}", hook)
        return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)


def update_attached_target_groups(original, self, group_name: str) -> None:
    """moto registers waiting instances too; AWS registers an instance once it is InService."""
    group = self.autoscaling_groups[group_name]
    if not group.target_group_arns:
        return
    ids = [s.instance.id for s in group.instance_states if s.lifecycle_state == "InService"]
    target_groups = self.elbv2_backend.describe_target_groups(
        target_group_arns=group.target_group_arns, load_balancer_arn=None, names=None
    )
    for target_group in target_groups:
        self.elbv2_backend.register_targets(target_group.arn, [{"Id": i, "Port": target_group.port} for i in ids])


def delete_auto_scaling_group(original, self, group_name: str) -> None:
    """moto leaves the group's hooks behind; AWS deletes them and their outstanding actions, and the
    group's instances leave without waiting for terminate hooks."""
    with lock:
        group = self.autoscaling_groups.get(group_name)
        if group is None:
            return original(group_name)  # moto's error
        bypass = _bypass(self)
        bypass.add(group_name)
        try:
            for action in [a for a in _actions(self).values() if a.group == group_name]:
                _actions(self).pop(action.token, None)
            _terminate_now(group, [s for s in group.instance_states if s.lifecycle_state.startswith("Terminating")])
            original(group_name)
        finally:
            bypass.discard(group_name)
        if group_name not in self.autoscaling_groups:
            for key in _hooks_of(self, group_name):
                self.lifecycle_hooks.pop(key, None)


def delete_lifecycle_hook(original, self, as_name: str, name: str) -> None:
    """AWS completes a deleted hook's outstanding actions (ABANDON launching, CONTINUE terminating)."""
    with lock:
        original(as_name, name)
        for action in [a for a in _actions(self).values() if a.group == as_name and a.hook == name]:
            if action.token in _actions(self):
                _complete(self, action, "ABANDON" if action.transition == LAUNCHING else "CONTINUE")


def terminate_instance(original, self, instance_id: str, should_decrement: bool):
    """moto terminates at once; with terminate hooks AWS holds the instance in Terminating:Wait."""
    with lock:
        state = next((s for g in self.autoscaling_groups.values() for s in g.instance_states if s.instance.id == instance_id), None)
        if state is None:
            raise ValidationError(f"Instance Id not found - No managed instance found for instance ID: {instance_id}")
        group = state.instance.autoscaling_group
        original_size = group.desired_capacity
        if state.lifecycle_state.startswith("Terminating"):
            return asg_models.TerminateInstanceActivity(state.instance, original_size)
        if not _hooks(self, group.name, TERMINATING):
            _drop(self, instance_id)
            return original(instance_id, should_decrement)
        if should_decrement:
            group.desired_capacity = original_size - 1
        _begin_termination(group, [state])
        group.set_desired_capacity(group.desired_capacity)  # a replacement unless decremented
        return asg_models.TerminateInstanceActivity(state.instance, original_size)


def detach_instances(original, self, group_name: str, instance_ids: list[str], should_decrement: bool):
    """A detached instance's pending lifecycle actions end with its membership."""
    with lock:
        for instance_id in instance_ids:
            _drop(self, instance_id)
        return original(group_name, instance_ids, should_decrement)


def notify_terminate_instances(original, self, instance_ids: list[str]) -> None:
    """TerminateInstances called on EC2 directly: the instances' pending actions end with them."""
    with lock:
        for instance_id in instance_ids:
            _drop(self, instance_id)
        return original(instance_ids)


def create_auto_scaling_group(original, self):
    """moto ignores LifecycleHookSpecificationList; AWS creates the hooks before the first launch."""
    specs = self._get_param("LifecycleHookSpecificationList", []) or []
    group_name = self._get_param("AutoScalingGroupName")
    backend = self.autoscaling_backend
    with lock:
        created = [put_hook(backend, group_name, spec, from_spec=True) for spec in specs]
        try:
            return original()
        except BaseException:
            for hook in created:  # undo, then let moto's error through
                backend.lifecycle_hooks.pop(f"{group_name}_{hook.name}", None)
            raise


def put_lifecycle_hook(original, self):
    """moto's PutLifecycleHook replaces a hook wholesale and drops NotificationMetadata; AWS updates
    what is given and keeps the rest."""
    spec = {
        key: self._get_param(key)
        for key in (
            "LifecycleHookName", "LifecycleTransition", "HeartbeatTimeout", "DefaultResult",
            "NotificationMetadata", "NotificationTargetARN", "RoleARN",
        )
    }
    with lock:
        put_hook(self.autoscaling_backend, self._get_param("AutoScalingGroupName"), spec)
    return EmptyResult()


def complete_lifecycle_action(self):
    """CompleteLifecycleAction, which moto lacks (HTTP 500)."""
    result = self._get_param("LifecycleActionResult")
    if result not in RESULTS:
        raise ValidationError(f"Invalid value for LifecycleActionResult: {result}. Valid values: CONTINUE, ABANDON")
    backend = self.autoscaling_backend
    with lock:
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
    """RecordLifecycleActionHeartbeat, which moto lacks (HTTP 500)."""
    with lock:
        action = _find(
            self.autoscaling_backend,
            self._get_param("AutoScalingGroupName"),
            self._get_param("LifecycleHookName"),
            self._get_param("LifecycleActionToken"),
            self._get_param("InstanceId"),
        )
        action.deadline = min(time.monotonic() + _clock.scaled(action.heartbeat), action.global_deadline)
    return EmptyResult()


def dispatch(original, self, request: Any, full_url: str | None = None, headers: Any = None):
    """Applies expired lifecycle actions' default results before each request (moto has no timeouts)."""
    _sweep()
    return original(request, full_url, headers)


def apply() -> str:
    patch(_Group, "active_instances", active_instances,
          corrects="instances waiting in Terminating:Wait count toward the group's capacity")
    patch(_Group, "replace_autoscaling_group_instances", replace_autoscaling_group_instances,
          corrects="launched instances go straight to InService despite launch hooks")
    patch(_Group, "set_desired_capacity", set_desired_capacity,
          corrects="scale-in terminates at once despite terminate hooks")
    patch(_Group, "create_from_cloudformation_json", group_create_from_cloudformation_json,
          corrects="AWS::AutoScaling::AutoScalingGroup ignores LifecycleHookSpecificationList")
    patch(_Group, "update_from_cloudformation_json", group_update_from_cloudformation_json,
          corrects="a group updated from a template loses its lifecycle hooks")
    patch(_Backend, "update_attached_target_groups", update_attached_target_groups,
          corrects="instances in Pending:Wait are registered with the group's target groups")
    patch(_Backend, "delete_auto_scaling_group", delete_auto_scaling_group,
          corrects="a deleted group's lifecycle hooks and actions are left behind")
    patch(_Backend, "delete_lifecycle_hook", delete_lifecycle_hook,
          corrects="deleting a hook leaves its outstanding actions pending")
    patch(_Backend, "terminate_instance", terminate_instance,
          corrects="TerminateInstanceInAutoScalingGroup terminates at once despite terminate hooks")
    patch(_Backend, "detach_instances", detach_instances,
          corrects="a detached instance keeps its pending lifecycle actions")
    patch(_Backend, "notify_terminate_instances", notify_terminate_instances,
          corrects="an instance terminated through EC2 keeps its pending lifecycle actions")
    patch(AutoScalingResponse, "create_auto_scaling_group", create_auto_scaling_group,
          corrects="CreateAutoScalingGroup ignores LifecycleHookSpecificationList")
    patch(AutoScalingResponse, "put_lifecycle_hook", put_lifecycle_hook,
          corrects="PutLifecycleHook drops NotificationMetadata and settings not given again")
    patch(AutoScalingResponse, "complete_lifecycle_action", complete_lifecycle_action, adds=True,
          corrects="CompleteLifecycleAction is not implemented (HTTP 500)")
    patch(AutoScalingResponse, "record_lifecycle_action_heartbeat", record_lifecycle_action_heartbeat, adds=True,
          corrects="RecordLifecycleActionHeartbeat is not implemented (HTTP 500)")
    patch(BaseResponse, "_dispatch", dispatch,
          corrects="lifecycle hook timeouts never expire (evaluated lazily before each request)")
    return NAME
