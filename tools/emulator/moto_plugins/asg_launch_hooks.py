"""EC2 Auto Scaling launch lifecycle hooks that take effect, and the ENI attribute they rely on.

moto 5.2.5 stores lifecycle hooks but ignores them (instances go straight to InService), has no
CompleteLifecycleAction or RecordLifecycleActionHeartbeat, and ignores ModifyNetworkInterfaceAttribute's
Attachment.DeleteOnTermination (so extra interfaces outlive their instance). With this plugin:

- an instance launched by a group with an `autoscaling:EC2_INSTANCE_LAUNCHING` hook waits in
  `Pending:Wait` (and counts toward the group's capacity) until CompleteLifecycleAction: CONTINUE puts
  it InService, ABANDON terminates it and the group launches a replacement (which waits too);
- CompleteLifecycleAction and RecordLifecycleActionHeartbeat take the action's token or the instance
  ID; an action that is not pending is a ValidationError "No active Lifecycle Action found with
  instance ID ..." (or "... with token ..."), as AWS answers;
- Attachment.DeleteOnTermination is honoured, and terminating an instance deletes such interfaces;
- `LifecycleHookSpecificationList` of an `AWS::AutoScaling::AutoScalingGroup` in a template creates
  the hooks before the group's first instances launch (moto ignored it), so they wait too.

- each launch action is announced on the default event bus as AWS does (`source: aws.autoscaling`,
  `detail-type: EC2 Instance-launch Lifecycle Action`, the token in the detail), so rules deliver it
  (moto delivers to SQS targets; delivery failures never fail the scaling call).

Not emulated: heartbeat timeouts expiring (an action waits until completed) and terminate hooks
(instances leave at once).
"""

import json
import threading
import uuid
from typing import Any

from moto.autoscaling import models as asg_models
from moto.autoscaling.exceptions import ValidationError
from moto.autoscaling.responses import AutoScalingResponse
from moto.core.responses import EmptyResult
from moto.ec2.responses.elastic_network_interfaces import ElasticNetworkInterfaces

NAME = "autoscaling: launch lifecycle hooks, CompleteLifecycleAction, heartbeats; ENI DeleteOnTermination"

LAUNCHING = "autoscaling:EC2_INSTANCE_LAUNCHING"
_lock = threading.Lock()


def _pending(backend) -> dict[str, dict[str, Any]]:
    """Pending launch actions of a backend: instance id -> {token, group, hook}."""
    if not hasattr(backend, "_iac_pending_actions"):
        backend._iac_pending_actions = {}
    return backend._iac_pending_actions


def _launch_hooks(backend, group_name: str) -> list:
    return [
        h
        for h in backend.lifecycle_hooks.values()
        if h.auto_scaling_group_name == group_name and h.lifecycle_transition == LAUNCHING
    ]


def _announce(backend, group_name: str, hook: str, instance_id: str, token: str) -> None:
    try:
        from moto.events.models import events_backends

        detail = {
            "LifecycleActionToken": token,
            "AutoScalingGroupName": group_name,
            "LifecycleHookName": hook,
            "EC2InstanceId": instance_id,
            "LifecycleTransition": LAUNCHING,
            "Origin": "EC2",
            "Destination": "AutoScalingGroup",
        }
        group = backend.autoscaling_groups.get(group_name)
        events_backends[backend.account_id][backend.region_name].put_events(
            [
                {
                    "Source": "aws.autoscaling",
                    "DetailType": "EC2 Instance-launch Lifecycle Action",
                    "Detail": json.dumps(detail),
                    "Resources": [group.arn] if group is not None else [],
                    "EventBusName": "default",
                }
            ]
        )
    except Exception:  # delivery is best effort, as for AWS service events
        pass


def apply() -> str:
    original_replace = asg_models.FakeAutoScalingGroup.replace_autoscaling_group_instances

    def replace(self, count_needed: int, propagated_tags: dict[str, str]) -> None:
        before = {s.instance.id for s in self.instance_states}
        original_replace(self, count_needed, propagated_tags)
        hooks = _launch_hooks(self.autoscaling_backend, self.name)
        if not hooks:
            return
        new = []
        with _lock:
            pending = _pending(self.autoscaling_backend)
            for state in self.instance_states:
                if state.instance.id not in before:
                    state.lifecycle_state = "Pending:Wait"
                    token = str(uuid.uuid4())
                    pending[state.instance.id] = {"token": token, "group": self.name, "hook": hooks[0].name}
                    new.append((state.instance.id, token))
        for instance_id, token in new:
            _announce(self.autoscaling_backend, self.name, hooks[0].name, instance_id, token)

    def active_instances(self) -> list:
        # Instances waiting for a lifecycle action count toward the group's capacity, as in AWS.
        return [s for s in self.instance_states if s.lifecycle_state in ("InService", "Pending", "Pending:Wait")]

    original_cfn_create = asg_models.FakeAutoScalingGroup.create_from_cloudformation_json.__func__

    def cfn_create(cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any):
        properties = cloudformation_json.get("Properties", {})
        backend = asg_models.autoscaling_backends[account_id][region_name]
        for spec in properties.get("LifecycleHookSpecificationList", []):
            backend.create_lifecycle_hook(
                name=spec["LifecycleHookName"],
                as_name=resource_name,
                transition=spec["LifecycleTransition"],
                timeout=int(spec["HeartbeatTimeout"]) if "HeartbeatTimeout" in spec else None,
                result=spec.get("DefaultResult"),
            )
        return original_cfn_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)

    asg_models.FakeAutoScalingGroup.create_from_cloudformation_json = classmethod(cfn_create)
    asg_models.FakeAutoScalingGroup.replace_autoscaling_group_instances = replace
    asg_models.FakeAutoScalingGroup.active_instances = active_instances

    def find(self) -> tuple[Any, str, dict[str, Any]]:
        backend = self.autoscaling_backend
        group = self._get_param("AutoScalingGroupName")
        token = self._get_param("LifecycleActionToken")
        instance_id = self._get_param("InstanceId")
        pending = _pending(backend)
        for iid, action in pending.items():
            if action["group"] != group:
                continue
            if (token and action["token"] == token) or (not token and iid == instance_id):
                return backend, iid, action
        if token:
            raise ValidationError(f"No active Lifecycle Action found with token {token}")
        raise ValidationError(f"No active Lifecycle Action found with instance ID {instance_id}")

    def complete_lifecycle_action(self) -> EmptyResult:
        result = self._get_param("LifecycleActionResult")
        if result not in ("CONTINUE", "ABANDON"):
            raise ValidationError(f"LifecycleActionResult must be CONTINUE or ABANDON, not {result}")
        with _lock:
            backend, instance_id, action = find(self)
            del _pending(backend)[instance_id]
        group = backend.autoscaling_groups[action["group"]]
        state = next(s for s in group.instance_states if s.instance.id == instance_id)
        if result == "CONTINUE":
            state.lifecycle_state = "InService"
        else:
            state.lifecycle_state = "Terminating"
            backend.terminate_instance(instance_id, should_decrement=False)
        return EmptyResult()

    def record_lifecycle_action_heartbeat(self) -> EmptyResult:
        with _lock:
            find(self)
        return EmptyResult()

    AutoScalingResponse.complete_lifecycle_action = complete_lifecycle_action
    AutoScalingResponse.record_lifecycle_action_heartbeat = record_lifecycle_action_heartbeat

    original_modify = ElasticNetworkInterfaces.modify_network_interface_attribute

    def modify_network_interface_attribute(self):
        out = original_modify(self)
        delete = self._get_param("Attachment.DeleteOnTermination")
        if delete is not None:
            eni = self.ec2_backend.get_network_interface(self._get_param("NetworkInterfaceId"))
            eni.delete_on_termination = str(delete).lower() == "true"
        return out

    ElasticNetworkInterfaces.modify_network_interface_attribute = modify_network_interface_attribute
    return NAME
