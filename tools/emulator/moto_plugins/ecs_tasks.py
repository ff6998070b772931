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
"""

from __future__ import annotations

from moto.ec2.models import ec2_backends
from moto.ecs import models as ecs_models
from moto.ecs.exceptions import InvalidParameterException

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


def apply() -> str:
    patch(ecs_models.Task, "advance", advance, corrects="every DescribeTasks moves a task one state towards STOPPED")
    patch(ecs_models.EC2ContainerServiceBackend, "stop_task", stop_task,
          corrects="StopTask keeps the task's interface; an unknown task is a 500")
    return NAME
