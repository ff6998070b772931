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
"region": "us-east-1"}` creates the cluster `<name>` in `region` (default: the ARN's), for
`cargo xtask deploy --target local`, whose blueprints name existing clusters. 201 when created, 200 when
it exists; 400 for an ARN that is not a cluster ARN.
"""

from __future__ import annotations

from moto.ec2.models import ec2_backends
from moto.ecs import models as ecs_models
from moto.ecs.exceptions import InvalidParameterException

import re
from typing import Any

from moto.ecs.models import ecs_backends

from . import _control
from ._errors import SERVICE_ERRORS, is_not_found
from ._patching import patch

NAME = "ecs: tasks keep their state until stopped; StopTask deletes the task's interface; unknown task is InvalidParameterException"


def advance(original, self) -> None:
    """moto moves a task on at every DescribeTasks; ECS moves it when it starts or stops."""


def stop_task(original, self, cluster_str: str, task_str: str, reason: str):
    cluster = self._get_cluster(cluster_str)
    task_id = task_str.split("/")[-1]
    if not any(arn.endswith(task_id) for arn in (self.tasks.get(cluster.name) or {})):
        raise InvalidParameterException("The referenced task was not found.")
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
    backend.create_cluster(found.group(3))
    return 201, {"arn": body["arn"], "created": True}


def apply() -> str:
    patch(ecs_models.Task, "advance", advance, corrects="every DescribeTasks moves a task one state towards STOPPED")
    patch(ecs_models.EC2ContainerServiceBackend, "stop_task", stop_task,
          corrects="StopTask keeps the task's interface; an unknown task is a 500")
    _control.register("/_iac/stand-ins/ecs-clusters", clusters)
    return NAME
