"""ECS tasks that keep their state until stopped, and free their network interface when stopped.

moto 5.2.5 advances a task one state per DescribeTasks (RUNNING, DEACTIVATING, STOPPING,
DEPROVISIONING, STOPPED after four calls) while its desired status stays RUNNING, so any function
that describes a task stops it; StopTask keeps the task's awsvpc network interface attached and in
use forever (it then blocks deleting its subnet and security group), and stopping an unknown task is
a 500 (`Exception: Could not find task`).

With this plugin, as the Amazon ECS task lifecycle documentation describes: a task stays in its state
until it is stopped; StopTask detaches and deletes the task's interface (and with it, as AWS does,
the interface's traffic mirror sessions) and marks the attachment DELETED; an unknown task is an
`InvalidParameterException` ("The referenced task was not found.").

Clusters: `POST /_iac/stand-ins/ecs-clusters` with `{"arn": "arn:aws:ecs:<region>:<account>:cluster/<name>",
"region": "us-east-1"}` creates the cluster `<name>` with exactly that ARN in `region` (default: the ARN's), for
`cargo xtask deploy --target local`, whose blueprints name existing clusters. 201 when created, 200 when
it exists; 400 for an ARN that is not a cluster ARN.

Events: as ECS does, every task state change is an `ECS Task State Change` event (source `aws.ecs`,
`resources: [task ARN]`) on the account's default event bus, with the documented detail: taskArn,
clusterArn, taskDefinitionArn, group (`service:<name>` for a service's task, `family:<family>` for a
RunTask without group), launchType, lastStatus, desiredStatus, attachments (type `eni`, with the
interface's subnetId, networkInterfaceId, macAddress, privateIPv4Address), containers, startedBy,
tags, createdAt/updatedAt/startedAt/stoppedAt, stoppedReason, stopCode and a version that grows with
each event. RunTask sends PROVISIONING (attachments PRECREATED), PENDING and RUNNING (ATTACHED);
StopTask sends STOPPED (desiredStatus STOPPED, attachments DELETED). Delivery is rule by rule and
target by target; a target that fails is logged and the ECS call succeeds, as EventBridge retries
and drops independently of ECS.

Two interfaces: real Fargate tasks have one; a task run with the tag
`iac-emulator:interfaces` = `<n>` (1..4) gets `n` interfaces, one ENI attachment each, in its
awsvpc subnets (cycling), standing in for a task with several attachments (EC2 awsvpc trunking).
A value outside 1..4 is an `InvalidParameterException`.
"""

from __future__ import annotations

from moto.ec2.models import ec2_backends
from moto.ecs import models as ecs_models
from moto.ecs.exceptions import InvalidParameterException

import re
from typing import Any

from moto.ecs.models import ecs_backends

import copy
import logging
from datetime import datetime, timezone

import requests
from moto.core.utils import unix_time
from moto.events.models import _BASE_EVENT_MESSAGE, events_backends
from moto.moto_api._internal import mock_random
from moto.ec2.utils import random_private_ip

from . import _control
from ._errors import SERVICE_ERRORS, is_not_found
from ._patching import patch

NAME = "ecs: tasks keep their state until stopped; StopTask deletes the task's interface; unknown task is InvalidParameterException"


def advance(original, self) -> None:
    """moto moves a task on at every DescribeTasks; ECS moves it when it starts or stops."""


log = logging.getLogger(__name__)

INTERFACES_TAG = "iac-emulator:interfaces"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _extra_interfaces(task) -> None:
    """A task tagged `iac-emulator:interfaces` = n gets n ENI attachments, not one."""
    wanted = next((t.get("value") for t in task.tags or [] if t.get("key") == INTERFACES_TAG), None)
    if wanted is None:
        return
    if wanted not in {"1", "2", "3", "4"}:
        raise InvalidParameterException(f"tag {INTERFACES_TAG} must be 1 to 4, not '{wanted}'")
    if not task.attachments:
        raise InvalidParameterException(f"tag {INTERFACES_TAG} needs a task in awsvpc network mode")
    conf = task.network_configuration["awsvpcConfiguration"]
    ec2 = ec2_backends[task._account_id][task.region_name]
    for index in range(1, int(wanted)):
        subnet = conf["subnets"][index % len(conf["subnets"])]
        eni = ec2.create_network_interface(subnet=subnet, private_ip_address=random_private_ip(),
                                           group_ids=conf.get("securityGroups") or [], description="moto ECS")
        eni.status = "in-use"
        eni.device_index = index
        task.attachments.append({
            "id": str(mock_random.uuid4()),
            "type": "ElasticNetworkInterface",
            "status": "ATTACHED",
            "details": [
                {"name": "subnetId", "value": subnet},
                {"name": "networkInterfaceId", "value": eni.id},
                {"name": "macAddress", "value": eni.mac_address},
                {"name": "privateDnsName", "value": eni.private_dns_name},
                {"name": "privateIPv4Address", "value": eni.private_ip_address},
            ],
        })


def _detail(task, last: str, attachment_status: str) -> dict[str, Any]:
    stamps = getattr(task, "_iac_stamps", None)
    if stamps is None:
        stamps = task._iac_stamps = {"createdAt": _now(), "version": 0}
    stamps["version"] += 1
    now = _now()
    if last == "RUNNING":
        stamps.setdefault("startedAt", now)
    if last == "STOPPED":
        stamps.setdefault("stoppedAt", now)
    detail: dict[str, Any] = {
        "attachments": [
            {"id": a["id"], "type": "eni", "status": attachment_status,
             "details": [d for d in a.get("details", []) if d["name"] != "privateDnsName"]}
            for a in task.attachments
        ],
        "clusterArn": task.cluster_arn,
        "containers": [
            {"containerArn": f"arn:aws:ecs:{task.region_name}:{task._account_id}:container/{task.cluster_name}/{task.id}/{mock_random.uuid4()}",
             "lastStatus": last, "name": c.get("name", "") if isinstance(c, dict) else getattr(c, "name", ""),
             "taskArn": task.task_arn}
            for c in (getattr(task, "_iac_containers", None) or [])
        ],
        "createdAt": stamps["createdAt"],
        "desiredStatus": task.desired_status,
        "group": task.group,
        "launchType": task.launch_type or "EC2",
        "lastStatus": last,
        "overrides": {"containerOverrides": []},
        "startedBy": task.started_by,
        "stoppedReason": task.stopped_reason or None,
        "tags": list(task.tags or []),
        "taskArn": task.task_arn,
        "taskDefinitionArn": task.task_definition_arn,
        "updatedAt": now,
        "version": stamps["version"],
    }
    for key in ("startedAt", "stoppedAt"):
        if key in stamps:
            detail[key] = stamps[key]
    if last == "STOPPED":
        detail["stopCode"] = "UserInitiated"
    if detail["stoppedReason"] is None:
        del detail["stoppedReason"]
    return detail


def _emit(task, last: str, attachment_status: str) -> None:
    """Sends the task's state change to the default bus, target by target; a failed delivery is logged."""
    events = events_backends[task._account_id][task.region_name]
    bus = events.event_buses.get("default")
    if bus is None:
        return
    event = copy.deepcopy(_BASE_EVENT_MESSAGE)
    event.update({
        "id": str(mock_random.uuid4()),
        "detail-type": "ECS Task State Change",
        "source": "aws.ecs",
        "account": task._account_id,
        "time": unix_time(),
        "region": task.region_name,
        "resources": [task.task_arn],
        "detail": _detail(task, last, attachment_status),
        "ingestion-time": unix_time(),
    })
    for rule in list(bus.rules.values()):
        if getattr(rule, "state", "ENABLED") == "DISABLED":
            continue
        for target in list(rule.targets):
            single = copy.copy(rule)
            single.targets = [target]
            try:
                single.send_to_targets(copy.deepcopy(event))
            except (NotImplementedError, *SERVICE_ERRORS, requests.RequestException):
                log.warning("ECS Task State Change not delivered to %s", target.get("Arn"), exc_info=True)


def run_task(original, self, cluster_str: str, task_definition_str: str, *args: Any, **kwargs: Any):
    tasks = original(cluster_str, task_definition_str, *args, **kwargs)
    definition = self.describe_task_definition(task_definition_str)
    for task in tasks:
        task._iac_containers = list(definition.container_definitions or [])
        try:
            _extra_interfaces(task)
        except InvalidParameterException:
            self.tasks[task.cluster_name].pop(task.task_arn, None)
            for attachment in task.attachments:
                for detail in attachment["details"]:
                    if detail["name"] == "networkInterfaceId":
                        ec2_backends[task._account_id][task.region_name].delete_network_interface(detail["value"])
            raise
    for task in tasks:
        _emit(task, "PROVISIONING", "PRECREATED")
        _emit(task, "PENDING", "ATTACHED")
        _emit(task, "RUNNING", "ATTACHED")
    return tasks


def stop_task(original, self, cluster_str: str, task_str: str, reason: str):
    cluster = self._get_cluster(cluster_str)
    task_id = task_str.split("/")[-1]
    if not any(arn.endswith(task_id) for arn in (self.tasks.get(cluster.name) or {})):
        raise InvalidParameterException("The referenced task was not found.")
    was = next((t.last_status for arn, t in (self.tasks.get(cluster.name) or {}).items() if arn.endswith(task_id)), None)
    task = original(cluster_str, task_str, reason)
    ec2 = ec2_backends[self.account_id][task.region_name]
    for attachment in task.attachments:
        if attachment.get("status") == "DELETED":
            continue
        for detail in attachment.get("details", []):
            if detail.get("name") == "networkInterfaceId":
                try:
                    ec2.delete_network_interface(detail["value"])
                except SERVICE_ERRORS as error:  # already gone
                    if not is_not_found(error):
                        raise
        attachment["status"] = "DELETED"
    if was != "STOPPED":  # stopping a stopped task changes nothing, so ECS sends nothing
        _emit(task, "STOPPED", "DELETED")
    return task


CLUSTER_ARN = re.compile(r"^arn:aws[a-z-]*:ecs:([a-z0-9-]+):(\d{12}):cluster/([A-Za-z0-9_-]{1,255})$")


def clusters(method: str, body: Any) -> tuple[int, Any]:
    """A stand-in for an existing ECS cluster the blueprint names."""
    if method != "POST":
        return 405, {"error": f"{method} not allowed: POST a cluster"}
    if not isinstance(body, dict) or not isinstance(body.get("arn"), str):
        raise _control.BadRequest('expected {"arn": "arn:aws:ecs:...:cluster/<name>"}')
    found = CLUSTER_ARN.match(body["arn"])
    if found is None:
        raise _control.BadRequest(f"'{body['arn']}' is not an ECS cluster ARN (arn:aws:ecs:<region>:<account>:cluster/<name>)")
    region = body.get("region") or found.group(1)
    backend = ecs_backends[found.group(2)][region]
    if found.group(3) in backend.clusters:
        return 200, {"arn": body["arn"], "created": False}
    # The stand-in keeps the blueprint's ARN (whatever region it names), so its tasks and their events
    # carry the cluster ARN the deployed rule and function watch, as the real cluster's would.
    backend.create_cluster(found.group(3)).arn = body["arn"]
    return 201, {"arn": body["arn"], "created": True}


def apply() -> str:
    patch(ecs_models.Task, "advance", advance, corrects="every DescribeTasks moves a task one state towards STOPPED")
    patch(ecs_models.EC2ContainerServiceBackend, "stop_task", stop_task,
          corrects="StopTask keeps the task's interface; an unknown task is a 500")
    patch(ecs_models.EC2ContainerServiceBackend, "run_task", run_task,
          corrects="RunTask sends no ECS Task State Change events; a task has one interface at most")
    _control.register("/_iac/stand-ins/ecs-clusters", clusters)
    return NAME
