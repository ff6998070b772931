"""CloudFormation resource types moto 5.2.5 silently skips, built on `_resource_type.ResourceType`.

moto logs "No Moto CloudFormation support for X" for these, reports the stack CREATE_COMPLETE with
nothing created, and resolves `Ref`/`Fn::GetAtt` to them to nothing. As the CloudFormation User Guide's
resource reference defines them:

- AWS::EC2::SecurityGroupEgress: authorizes the rule (`CidrIp`, `DestinationSecurityGroupId` or
  `DestinationPrefixListId`); Ref is the rule id (`sgr-...`); changing it replaces the rule; deleting it
  revokes the rule. The project's groups start closed and open each flow with one of these.
- AWS::S3::BucketPolicy: puts `PolicyDocument` on `Bucket` (which then enforces it, see s3_policies.py);
  Ref is the bucket name; deleting it removes the policy.
- AWS::CloudWatch::Alarm: created in moto's CloudWatch (`AlarmName` or a generated name); Ref is the
  name, `Fn::GetAtt Arn` the ARN; an update overwrites it (a new name replaces it).
- AWS::SecretsManager::Secret: `Name` (generated as `<logical id>-<random suffix>` when absent),
  `Description`, `SecretString` or `GenerateSecretString` (PasswordLength, default 32,
  ExcludeCharacters, ExcludeNumbers, ExcludePunctuation, ExcludeUppercase, ExcludeLowercase,
  IncludeSpace, RequireEachIncludedType, default true, and SecretStringTemplate with GenerateStringKey
  for a JSON document; the password comes from moto's GetRandomPassword), `KmsKeyId`, `Tags`
  (Key/Value list) and `ReplicaRegions`. Ref and `Fn::GetAtt Id` are the secret's ARN. An update keeps
  the secret (and its ARN) unless its `Name` changes, storing a new value only when `SecretString` or
  `GenerateSecretString` changed; the secret is deleted with its stack, without a recovery window.
- AWS::AutoScaling::LifecycleHook: creates, updates and deletes a hook (autoscaling_lifecycle.py's
  `put_hook`, with PutLifecycleHook's checks); Ref is the hook's name. Like in AWS it is created after
  its group, so it applies to instances launched after it exists, not to the group's first ones.
"""

from __future__ import annotations

import json
import string
from typing import Any

from moto.autoscaling import models as asg_models
from moto.autoscaling.exceptions import ValidationError as AutoScalingValidationError
from moto.cloudwatch.models import cloudwatch_backends
from moto.core.common_models import CloudFormationModel
from moto.ec2.models import ec2_backends
from moto.moto_api._internal import mock_random as random
from moto.s3.models import s3_backends
from moto.secretsmanager.models import secretsmanager_backends
from moto.utilities.utils import get_partition as partition_of

from . import autoscaling_lifecycle
from ._resource_type import ResourceType, deleted_if_gone

NAME = "cloudformation: AWS::EC2::SecurityGroupEgress, AWS::S3::BucketPolicy, AWS::CloudWatch::Alarm, AWS::SecretsManager::Secret, AWS::AutoScaling::LifecycleHook"

_SUFFIX_CHARS = string.ascii_letters + string.digits


def random_suffix(size: int = 12) -> str:
    return "".join(random.choice(_SUFFIX_CHARS) for _ in range(size))


def flag(value: Any, default: bool = False) -> bool:
    """CloudFormation booleans arrive as YAML/JSON booleans or, through parameters, as strings."""
    if value is None:
        return default
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


# --- AWS::EC2::SecurityGroupEgress -----------------------------------------------------------------


def egress_rule_args(properties: dict) -> dict:
    """The EC2 backend's authorize/revoke arguments for one egress rule in CloudFormation's shape."""
    dest_group = properties.get("DestinationSecurityGroupId")
    cidr = properties.get("CidrIp")
    prefix_list = properties.get("DestinationPrefixListId")
    if not (dest_group or cidr or prefix_list):
        raise ValueError("AWS::EC2::SecurityGroupEgress needs a destination")
    return {
        "ip_protocol": properties["IpProtocol"],
        "from_port": properties.get("FromPort"),
        "to_port": properties.get("ToPort"),
        "ip_ranges": [{"CidrIp": cidr, "Description": properties.get("Description")}] if cidr else [],
        "source_groups": [{"GroupId": dest_group}] if dest_group else [],
        "prefix_list_ids": [{"PrefixListId": prefix_list}] if prefix_list else [],
    }


class SecurityGroupEgress(ResourceType, CloudFormationModel):
    TYPE = "AWS::EC2::SecurityGroupEgress"

    @classmethod
    def create(cls, name, properties, account_id, region_name, logical_id):
        rules, _group = ec2_backends[account_id][region_name].authorize_security_group_egress(
            group_name_or_id=properties["GroupId"], **egress_rule_args(properties)
        )
        return cls(rules[0].id if rules else name, properties)

    @classmethod
    def remove(cls, physical_id, properties, account_id, region_name):
        ec2_backends[account_id][region_name].revoke_security_group_egress(
            group_name_or_id=properties["GroupId"], **egress_rule_args(properties)
        )

    def update(self, name, properties, account_id, region_name):
        # Every property change replaces the rule; the old one goes first, as a new rule that differs
        # only in its description would otherwise be a duplicate.
        self.delete(account_id, region_name)
        return type(self).create(name, properties, account_id, region_name, name)


# --- AWS::S3::BucketPolicy -------------------------------------------------------------------------


class BucketPolicy(ResourceType, CloudFormationModel):
    """moto has no AWS::S3::BucketPolicy: a template's policy was skipped, the bucket kept none."""

    TYPE = "AWS::S3::BucketPolicy"

    @classmethod
    def create(cls, name, properties, account_id, region_name, logical_id):
        bucket = properties["Bucket"]
        document = properties["PolicyDocument"]
        text = document if isinstance(document, str) else json.dumps(document)
        s3_backends[account_id][partition_of(region_name)].put_bucket_policy(bucket, text.encode())
        return cls(bucket, properties)

    @classmethod
    def remove(cls, physical_id, properties, account_id, region_name):
        with deleted_if_gone():
            s3_backends[account_id][partition_of(region_name)].delete_bucket_policy(physical_id)


# --- AWS::CloudWatch::Alarm ------------------------------------------------------------------------


class MetricAlarm(ResourceType, CloudFormationModel):
    TYPE = "AWS::CloudWatch::Alarm"
    NAME_PROPERTY = "AlarmName"
    ATTRIBUTES = {"Arn": "arn"}

    @classmethod
    def create(cls, name, properties, account_id, region_name, logical_id):
        p = properties
        alarm = cloudwatch_backends[account_id][region_name].put_metric_alarm(
            name=p.get("AlarmName", name),
            namespace=p.get("Namespace"),
            metric_name=p.get("MetricName"),
            comparison_operator=p["ComparisonOperator"],
            evaluation_periods=int(p["EvaluationPeriods"]),
            period=int(p["Period"]) if "Period" in p else None,
            threshold=float(p["Threshold"]) if "Threshold" in p else None,
            statistic=p.get("Statistic"),
            description=p.get("AlarmDescription"),
            dimensions=[{"Name": d["Name"], "Value": d["Value"]} for d in p.get("Dimensions", [])],
            alarm_actions=p.get("AlarmActions", []),
            ok_actions=p.get("OKActions", []),
            insufficient_data_actions=p.get("InsufficientDataActions", []),
            datapoints_to_alarm=int(p["DatapointsToAlarm"]) if "DatapointsToAlarm" in p else None,
            extended_statistic=p.get("ExtendedStatistic"),
            unit=p.get("Unit"),
            actions_enabled=str(p.get("ActionsEnabled", True)).lower() != "false",
            treat_missing_data=p.get("TreatMissingData"),
            tags=p.get("Tags"),
        )
        return cls(alarm.name, properties, name=alarm.name, arn=alarm.alarm_arn)

    @classmethod
    def remove(cls, physical_id, properties, account_id, region_name):
        cloudwatch_backends[account_id][region_name].delete_alarms([physical_id])


# --- AWS::SecretsManager::Secret -------------------------------------------------------------------


def _secrets(account_id: str, region_name: str):
    return secretsmanager_backends[account_id][region_name]


def _generate_secret_string(spec: dict, account_id: str, region_name: str) -> str:
    template = spec.get("SecretStringTemplate")
    key = spec.get("GenerateStringKey")
    if (template is None) != (key is None):
        raise ValueError("GenerateSecretString needs both SecretStringTemplate and GenerateStringKey, or neither")
    answer = _secrets(account_id, region_name).get_random_password(
        password_length=int(spec.get("PasswordLength", 32)),
        exclude_characters=spec.get("ExcludeCharacters", "") or "",
        exclude_numbers=flag(spec.get("ExcludeNumbers")),
        exclude_punctuation=flag(spec.get("ExcludePunctuation")),
        exclude_uppercase=flag(spec.get("ExcludeUppercase")),
        exclude_lowercase=flag(spec.get("ExcludeLowercase")),
        include_space=flag(spec.get("IncludeSpace")),
        require_each_included_type=flag(spec.get("RequireEachIncludedType"), default=True),
    )
    password = json.loads(answer)["RandomPassword"]
    if template is None:
        return password
    document = json.loads(template)
    if not isinstance(document, dict):
        raise ValueError("SecretStringTemplate must be a JSON object")
    document[key] = password
    return json.dumps(document)


def _secret_value(properties: dict, account_id: str, region_name: str) -> str | None:
    if "SecretString" in properties and "GenerateSecretString" in properties:
        raise ValueError("AWS::SecretsManager::Secret takes SecretString or GenerateSecretString, not both")
    if "GenerateSecretString" in properties:
        return _generate_secret_string(properties["GenerateSecretString"] or {}, account_id, region_name)
    return properties.get("SecretString")  # neither: an empty secret, as in CloudFormation


def _secret_tags(tags: Any) -> list[dict[str, str]]:
    return [{"Key": str(t["Key"]), "Value": str(t["Value"])} for t in tags or []]


class SecretsManagerSecret(ResourceType, CloudFormationModel):
    TYPE = "AWS::SecretsManager::Secret"
    NAME_PROPERTY = "Name"
    ATTRIBUTES = {"Id": "arn"}

    @classmethod
    def _create_named(cls, name: str, properties: dict, generated: bool, account_id: str, region_name: str):
        answer = _secrets(account_id, region_name).create_secret(
            name=name,
            secret_string=_secret_value(properties, account_id, region_name),
            secret_binary=None,
            description=properties.get("Description"),
            tags=_secret_tags(properties.get("Tags")) or None,
            kms_key_id=properties.get("KmsKeyId"),
            client_request_token=None,
            replica_regions=[
                {k: v for k, v in r.items() if k in ("Region", "KmsKeyId")} for r in properties.get("ReplicaRegions", [])
            ],
            force_overwrite=False,
        )
        arn = json.loads(answer)["ARN"]
        return cls(arn, properties, name=name, arn=arn, generated_name=generated)

    @classmethod
    def create(cls, name, properties, account_id, region_name, logical_id):
        if properties.get("Name"):
            return cls._create_named(properties["Name"], properties, False, account_id, region_name)
        return cls._create_named(f"{logical_id}-{random_suffix()}", properties, True, account_id, region_name)

    def update(self, name, properties, account_id, region_name):
        old = self.properties
        if properties.get("Name"):
            new_name, generated = properties["Name"], False
        elif self.generated_name:
            new_name, generated = self.name, True
        else:
            new_name, generated = f"{getattr(self, 'logical_resource_id', 'Secret')}-{random_suffix()}", True
        if new_name != self.name:  # a new name replaces the secret
            new = type(self)._create_named(new_name, properties, generated, account_id, region_name)
            self.delete(account_id, region_name)
            return new

        backend = _secrets(account_id, region_name)
        value_changed = any(properties.get(k) != old.get(k) for k in ("SecretString", "GenerateSecretString"))
        backend.update_secret(
            secret_id=self.arn,
            secret_string=_secret_value(properties, account_id, region_name) if value_changed else None,
            # moto, like the API, needs a token to tell an update from a retried create (boto3 adds one).
            client_request_token=str(random.uuid4()),
            kms_key_id=properties.get("KmsKeyId"),
            description=properties.get("Description"),
        )
        old_tags = {t["Key"] for t in _secret_tags(old.get("Tags"))}
        new_tags = {t["Key"]: t["Value"] for t in _secret_tags(properties.get("Tags"))}
        if old_tags - set(new_tags):
            backend.untag_resource(self.arn, sorted(old_tags - set(new_tags)))
        if new_tags:
            backend.tag_resource(self.arn, new_tags)
        return type(self)(self.arn, properties, name=self.name, arn=self.arn, generated_name=generated)

    @classmethod
    def remove(cls, physical_id, properties, account_id, region_name):
        _secrets(account_id, region_name).delete_secret(
            physical_id, recovery_window_in_days=None, force_delete_without_recovery=True
        )


# --- AWS::AutoScaling::LifecycleHook ---------------------------------------------------------------


class LifecycleHook(ResourceType, CloudFormationModel):
    TYPE = "AWS::AutoScaling::LifecycleHook"
    NAME_PROPERTY = "LifecycleHookName"

    @classmethod
    def create(cls, name, properties, account_id, region_name, logical_id):
        properties = dict(properties)
        properties["LifecycleHookName"] = properties.get("LifecycleHookName") or name
        group_name = properties.get("AutoScalingGroupName")
        backend = asg_models.autoscaling_backends[account_id][region_name]
        if group_name not in backend.autoscaling_groups:
            raise AutoScalingValidationError(f"AutoScalingGroup name not found - {group_name}")
        with autoscaling_lifecycle.lock:
            autoscaling_lifecycle.put_hook(backend, group_name, properties)
        return cls(properties["LifecycleHookName"], properties, group_name=group_name, name=properties["LifecycleHookName"])

    def update(self, name, properties, account_id, region_name):
        new_name = properties.get("LifecycleHookName") or name
        if (properties.get("AutoScalingGroupName"), new_name) != (self.group_name, self.name):
            self.delete(account_id, region_name)
        return type(self).create(name, properties, account_id, region_name, name)

    @classmethod
    def remove(cls, physical_id, properties, account_id, region_name):
        backend = asg_models.autoscaling_backends[account_id][region_name]
        backend.delete_lifecycle_hook(properties.get("AutoScalingGroupName"), physical_id)  # gone already is fine


def apply() -> str:
    # Subclassing CloudFormationModel registers the types: moto builds its type map from the
    # subclasses the first time a stack is parsed, after this module is imported.
    return NAME
