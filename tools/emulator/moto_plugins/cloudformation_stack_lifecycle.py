"""CloudFormation stack operations as AWS runs them: per-resource events, failures that roll back, and
deletions that fail visibly instead of silently.

moto 5.2.5 records only stack-level events; a resource that fails to create makes ExecuteChangeSet
itself return the error and leaves the stack CREATE_IN_PROGRESS; DeleteStack that cannot delete a
resource drops the stack record anyway. With this plugin:

- every resource gets CREATE/UPDATE/DELETE _IN_PROGRESS and _COMPLETE events with its physical id, or
  _FAILED with the error as the reason;
- ExecuteChangeSet succeeds and the failure shows in the stack: a failed create deletes what it made
  and ends ROLLBACK_COMPLETE; a failed update ends UPDATE_ROLLBACK_COMPLETE with the previous template
  and parameters (resources updated before the failure are not restored: moto cannot);
- change sets list a resource as modified when a parameter it references changes (moto compares
  templates only, so a new code key for a function showed no change);
- a stack holding a type moto cannot create still answers DescribeStackResource(s);
- DeleteStack deletes in reverse creation order; a resource that cannot be deleted gets DELETE_FAILED,
  the stack ends DELETE_FAILED and stays, and a later DeleteStack retries.

A resource failure is whatever moto raises while creating, updating or deleting it (moto raises
arbitrary exception types from resource code, not only service errors), so those handlers catch
Exception and turn it into the FAILED status and reason AWS shows; an error that is not a service
error (a bug in moto or a plugin) is also logged to stderr with its traceback.

AWS documentation: CloudFormation User Guide, "Stack status codes", "Resource status codes",
"Choose how to handle failures when provisioning resources" (rollback) and "Deleting a stack".
"""

import logging
import threading
from typing import Any

from moto.cloudformation import models as cfn_models
from moto.cloudformation import parsing

from ._errors import SERVICE_ERRORS
from ._patching import patch

NAME = "cloudformation: per-resource events, rollback on failure, DELETE_FAILED"

_local = threading.local()
log = logging.getLogger(__name__)


def _failure(e: Exception, what: str) -> None:
    """Service errors are the expected failures; anything else is logged loudly as a likely bug."""
    if not isinstance(e, SERVICE_ERRORS):
        log.error("%s failed with a non-service error (a moto or plugin bug?)", what, exc_info=e)


def _stack_for(account_id: str, region_name: str, stack_id: str):
    backend = cfn_models.cloudformation_backends[account_id][region_name]
    return backend.stacks.get(stack_id)


def _event(stack, logical_id: str, resource_type: str, status: str, physical_id: str = "", reason: str | None = None):
    if stack is None:
        return
    stack.events.append(
        cfn_models.Event(
            stack_id=stack.stack_id,
            stack_name=stack.name,
            logical_resource_id=logical_id,
            physical_resource_id=physical_id,
            resource_type=resource_type,
            resource_status=status,
            resource_status_reason=reason,
            resource_properties=None,
        )
    )


def _message(e: Exception) -> str:
    for attr in ("message", "description"):
        value = getattr(e, attr, None)
        if isinstance(value, str) and value:
            code = getattr(e, "error_type", None) or getattr(e, "code", None)
            return f"{value} (Service: {code})" if isinstance(code, str) and code else value
    return str(e) or type(e).__name__


def _physical_id(resource: Any) -> str:
    try:
        value = getattr(resource, "physical_resource_id", "")
    except (KeyError, TypeError, NotImplementedError):  # some moto models cannot compute one
        log.warning("no physical id for %r", resource, exc_info=True)
        return ""
    return value if isinstance(value, str) else ""


def apply() -> str:
    def create(original_create, logical_id, resource_json, resources_map, account_id, region_name):
        stack = _stack_for(account_id, region_name, resources_map.stack_id)
        kind = resource_json.get("Type", "")
        _event(stack, logical_id, kind, "CREATE_IN_PROGRESS")
        try:
            resource = original_create(logical_id, resource_json, resources_map, account_id, region_name)
        except Exception as e:
            _failure(e, f"creating {logical_id} ({kind})")
            _local.failed = getattr(_local, "failed", None) or logical_id
            _event(stack, logical_id, kind, "CREATE_FAILED", reason=_message(e))
            raise
        _event(stack, logical_id, kind, "CREATE_COMPLETE", _physical_id(resource))
        return resource

    def update(original_update, logical_id, resource_json, resources_map, account_id, region_name):
        stack = _stack_for(account_id, region_name, resources_map.stack_id)
        kind = resource_json.get("Type", "")
        _event(stack, logical_id, kind, "UPDATE_IN_PROGRESS")
        try:
            resource = original_update(logical_id, resource_json, resources_map, account_id, region_name)
        except Exception as e:
            _failure(e, f"updating {logical_id} ({kind})")
            _local.failed = getattr(_local, "failed", None) or logical_id
            _event(stack, logical_id, kind, "UPDATE_FAILED", reason=_message(e))
            raise
        _event(stack, logical_id, kind, "UPDATE_COMPLETE", _physical_id(resource))
        return resource

    def delete_resource(original_delete, self, parsed_resource, resource_json):
        stack = _stack_for(self._account_id, self._region_name, self.stack_id)
        logical_id = getattr(parsed_resource, "logical_resource_id", "")
        kind = resource_json.get("Type", "")
        physical = _physical_id(parsed_resource)
        try:
            original_delete(parsed_resource, resource_json)
        except Exception as e:
            # moto retries in passes; only the last error of a resource matters.
            _local.delete_errors[logical_id] = (kind, physical, _message(e))
            raise
        _local.delete_errors.pop(logical_id, None)
        # Forget the resource: moto's resource map re-creates any resource of its template it is asked
        # for (ListStackResources on a stack whose deletion failed would bring deleted ones back).
        self._resource_json_map = {k: v for k, v in self._resource_json_map.items() if k != logical_id}
        _event(stack, logical_id, kind, "DELETE_COMPLETE", physical)

    patch(parsing, "parse_and_create_resource", create,
          corrects="no per-resource CREATE events; a failed resource leaves the stack CREATE_IN_PROGRESS")
    patch(parsing, "parse_and_update_resource", update,
          corrects="no per-resource UPDATE events; a failed update is not rolled back")
    patch(parsing.ResourceMap, "_delete_resource", delete_resource,
          corrects="no per-resource DELETE events; deleted resources come back in ListStackResources")

    def delete_resources(stack) -> bool:
        """Deletes the stack's resources; returns False (with DELETE_FAILED events) if some remain."""
        _local.delete_errors = {}
        try:
            stack.resource_map.delete()
            return True
        except Exception as e:  # moto re-raises the last resource's error, of any type
            _failure(e, f"deleting stack {stack.name}")
            for logical_id, (kind, physical, reason) in sorted(_local.delete_errors.items()):
                _event(stack, logical_id, kind, "DELETE_FAILED", physical, reason)
            return False

    def execute_change_set(original, self, change_set_name: str, stack_name: str | None = None) -> None:
        change_set = self.change_sets.get(change_set_name) or next(
            (cs for cs in self.change_sets.values() if cs.change_set_name == change_set_name), None
        )
        if change_set is None:
            raise cfn_models.ValidationError(stack_name)
        stack = self.stacks[change_set.stack_id]
        kind = change_set.change_set_type
        previous = (stack.template, dict(stack.parameters))
        stack.status = f"{kind}_IN_PROGRESS"
        stack._add_stack_event(f"{kind}_IN_PROGRESS", resource_status_reason="User Initiated")
        _local.failed = None
        try:
            change_set.apply()
        except Exception as e:  # reported as the FAILED resource's event, with its reason
            _failure(e, f"executing change set {change_set_name}")
            failed = _local.failed or "unknown"
            if kind == "CREATE":
                stack.status = "ROLLBACK_IN_PROGRESS"
                stack._add_stack_event(
                    "ROLLBACK_IN_PROGRESS",
                    resource_status_reason=f"The following resource(s) failed to create: [{failed}]. Rollback requested by user.",
                )
                done = delete_resources(stack)
                stack.status = "ROLLBACK_COMPLETE" if done else "ROLLBACK_FAILED"
                stack._add_stack_event(stack.status)
            else:
                stack.status = "UPDATE_ROLLBACK_IN_PROGRESS"
                stack._add_stack_event(
                    "UPDATE_ROLLBACK_IN_PROGRESS",
                    resource_status_reason=f"The following resource(s) failed to update: [{failed}].",
                )
                stack.template, stack.parameters = previous
                stack._parse_template()
                stack.status = "UPDATE_ROLLBACK_COMPLETE"
                stack._add_stack_event("UPDATE_ROLLBACK_COMPLETE")
            change_set.execution_status = "EXECUTE_FAILED"
            return
        stack._add_stack_event(f"{kind}_COMPLETE")
        change_set.execution_status = "EXECUTE_COMPLETE"
        stack.status = f"{kind}_COMPLETE"
        stack.template = change_set.template
        stack.parameters = change_set.parameters
        stack._parse_template()
        stack.output_map = stack._create_output_map()

    def delete_stack(original, self, name_or_stack_id: str) -> None:
        stack = self.stacks.get(name_or_stack_id) or next(
            (s for s in self.stacks.values() if s.name == name_or_stack_id), None
        )
        if stack is None:
            return
        stack.status = "DELETE_IN_PROGRESS"
        stack._add_stack_event("DELETE_IN_PROGRESS", resource_status_reason="User Initiated")
        if not delete_resources(stack):
            failed = sorted(_local.delete_errors)
            stack.status = "DELETE_FAILED"
            stack._add_stack_event(
                "DELETE_FAILED",
                resource_status_reason=f"The following resource(s) failed to delete: [{', '.join(failed)}].",
            )
            return
        stack._add_stack_event("DELETE_COMPLETE")
        stack.status = "DELETE_COMPLETE"
        for export in stack.exports:
            self.exports.pop(export.name, None)
        self.stacks.pop(stack.stack_id, None)
        self.deleted_stacks[stack.stack_id] = stack

    def diff(original, self) -> list:
        old = self.stack.resource_map._resource_json_map
        new = self.template_dict.get("Resources", {})

        def norm(resource: dict) -> dict:
            # moto adds an empty Properties to resources it created without one.
            return {**resource, "Properties": resource.get("Properties") or {}}

        stack_params = self.stack.resource_map.input_parameters or {}
        changed = [p for p, v in (self.parameters or {}).items() if stack_params.get(p) != v]
        modify = [
            n
            for n in new
            if n in old
            and (
                norm(new[n]) != norm(old[n])
                or any(p in parsing.get_references_from_template(new[n]) for p in changed)
            )
        ]
        actions = {
            "Add": [n for n in new if n not in old],
            "Modify": modify,
            "Remove": [n for n in old if n not in new],
        }
        changes = []
        for action, names in actions.items():
            for name in names:
                kind = (new.get(name) or old.get(name) or {}).get("Type", "")
                changes.append(cfn_models.Change(action=action, logical_resource_id=name, resource_type=kind))
        return changes

    def stack_resources(original, self) -> list:
        return [r for r in self.resource_map.values() if r is not None]

    patch(cfn_models.ChangeSet, "diff", diff,
          corrects="change sets miss resources whose referenced parameters changed")
    patch(cfn_models.Stack, "stack_resources", stack_resources,
          corrects="a type moto cannot create leaves None in the map: DescribeStackResource(s) is a 500")
    patch(cfn_models.CloudFormationBackend, "execute_change_set", execute_change_set,
          corrects="a failed resource makes ExecuteChangeSet fail and leaves the stack IN_PROGRESS, no rollback")
    patch(cfn_models.CloudFormationBackend, "delete_stack", delete_stack,
          corrects="DeleteStack drops the stack record even when resources could not be deleted")
    return NAME
