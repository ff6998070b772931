"""CloudFormation AWS::SSM::Parameter as CloudFormation defines it, and AWS::SecretsManager::Secret.

moto 5.2.5 crashes creating a parameter from a template without `Name` (it passes None on instead of a
generated name), reads the parameter's `Tags` as a Key/Value list where CloudFormation defines a JSON
map (string -> string), and updates a parameter by deleting it and creating one under a new random
name. It has no CloudFormation support for Secrets Manager secrets at all: it skips them silently, so
the stack reports CREATE_COMPLETE, the secret does not exist and a `Ref` to it resolves to nothing.

With this plugin:

- a parameter without `Name` gets one generated as CloudFormation does
  (`<stack>-<logical id>-<random suffix>`, no leading slash; the resource's Ref), `Tags` is a map
  (a Key/Value list is still accepted), an update without a name change overwrites the parameter in
  place (next version, same name, tags replaced), and deleting a parameter already gone succeeds;
- AWS::SecretsManager::Secret is created through moto's secretsmanager backend with `Name` (generated
  as `<logical id>-<random suffix>` when absent), `Description`, `SecretString` or
  `GenerateSecretString` (PasswordLength, default 32, ExcludeCharacters, ExcludeNumbers, ExcludePunctuation,
  ExcludeUppercase, ExcludeLowercase, IncludeSpace, RequireEachIncludedType, default true, and
  SecretStringTemplate with GenerateStringKey for a JSON document; the password comes from moto's
  GetRandomPassword), `KmsKeyId`, `Tags` (Key/Value list) and `ReplicaRegions`. Ref and
  `Fn::GetAtt [.., Id]` return the secret's ARN. An update keeps the secret (and its ARN) unless its
  `Name` changes, storing a new value only when `SecretString` or `GenerateSecretString` changed; the
  secret is deleted with its stack, without a recovery window.
"""

import json
import string
from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.moto_api._internal import mock_random as random
from moto.ssm.models import Parameter, ssm_backends

NAME = "cloudformation: AWS::SSM::Parameter generated name and map Tags; AWS::SecretsManager::Secret"

_SUFFIX_CHARS = string.ascii_letters + string.digits


def _suffix(size: int = 12) -> str:
    return "".join(random.choice(_SUFFIX_CHARS) for _ in range(size))


def _flag(value: Any, default: bool = False) -> bool:
    """CloudFormation booleans arrive as YAML/JSON booleans or, through parameters, as strings."""
    if value is None:
        return default
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def _gone(e: Exception) -> bool:
    text = f"{type(e).__name__} {getattr(e, 'error_type', '')} {getattr(e, 'code', '')} {e}"
    return "NotFound" in text or "not found" in text or "can't find" in text


# --- AWS::SSM::Parameter ---------------------------------------------------------------------------


def _parameter_tags(tags: Any) -> list[dict[str, str]]:
    if not tags:
        return []
    if isinstance(tags, dict):
        return [{"Key": str(k), "Value": str(v)} for k, v in tags.items()]
    return [{"Key": str(t["Key"]), "Value": str(t["Value"])} for t in tags]


def _put_parameter(name: str, properties: dict, account_id: str, region_name: str, overwrite: bool) -> Parameter:
    backend = ssm_backends[account_id][region_name]
    tags = _parameter_tags(properties.get("Tags"))
    parameter = backend.put_parameter(
        name=name,
        description=properties.get("Description"),
        value=properties.get("Value"),
        parameter_type=properties.get("Type"),
        allowed_pattern=properties.get("AllowedPattern"),
        keyid=properties.get("KeyId"),
        overwrite=overwrite,
        tags=None if overwrite else tags,
        data_type=properties.get("DataType", "text"),
        tier=properties.get("Tier"),
        policies=properties.get("Policies"),
    )
    if overwrite:
        current = dict(backend.list_tags_for_resource("Parameter", name))
        wanted = {t["Key"]: t["Value"] for t in tags}
        stale = [k for k in current if k not in wanted]
        if stale:
            backend.remove_tags_from_resource("Parameter", name, stale)
        if wanted:
            backend.add_tags_to_resource("Parameter", name, wanted)
    parameter.cfn_generated_name = not properties.get("Name")
    return parameter


def _parameter_create(cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any):
    properties = cloudformation_json.get("Properties", {})
    # moto passes `Name` when given, else the name it generated (<stack>-<logical id>-<suffix>).
    name = properties.get("Name") or resource_name
    return _put_parameter(name, properties, account_id, region_name, overwrite=False)


def _parameter_update(
    cls, original_resource: Any, new_resource_name: str, cloudformation_json: Any, account_id: str, region_name: str
):
    properties = cloudformation_json.get("Properties", {})
    if properties.get("Name"):
        name = properties["Name"]
    elif getattr(original_resource, "cfn_generated_name", False):
        name = original_resource.name  # CloudFormation keeps the name it generated
    else:
        name = new_resource_name  # the template dropped its Name: replaced under a generated one
    if name == original_resource.name:
        return _put_parameter(name, properties, account_id, region_name, overwrite=True)
    new = _put_parameter(name, properties, account_id, region_name, overwrite=False)
    _parameter_delete(cls, original_resource.name, cloudformation_json, account_id, region_name)
    return new


def _parameter_delete(cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str) -> None:
    name = resource_name or cloudformation_json.get("Properties", {}).get("Name")
    try:
        ssm_backends[account_id][region_name].delete_parameter(name)
    except Exception as e:  # already gone counts as deleted, as in CloudFormation
        if not _gone(e):
            raise


# --- AWS::SecretsManager::Secret -------------------------------------------------------------------


def _secrets_backend(account_id: str, region_name: str):
    from moto.secretsmanager.models import secretsmanager_backends

    return secretsmanager_backends[account_id][region_name]


def _generate_secret_string(spec: dict, account_id: str, region_name: str) -> str:
    template = spec.get("SecretStringTemplate")
    key = spec.get("GenerateStringKey")
    if (template is None) != (key is None):
        raise ValueError("GenerateSecretString needs both SecretStringTemplate and GenerateStringKey, or neither")
    answer = _secrets_backend(account_id, region_name).get_random_password(
        password_length=int(spec.get("PasswordLength", 32)),
        exclude_characters=spec.get("ExcludeCharacters", "") or "",
        exclude_numbers=_flag(spec.get("ExcludeNumbers")),
        exclude_punctuation=_flag(spec.get("ExcludePunctuation")),
        exclude_uppercase=_flag(spec.get("ExcludeUppercase")),
        exclude_lowercase=_flag(spec.get("ExcludeLowercase")),
        include_space=_flag(spec.get("IncludeSpace")),
        require_each_included_type=_flag(spec.get("RequireEachIncludedType"), default=True),
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


class SecretsManagerSecret(CloudFormationModel):
    def __init__(self, name: str, arn: str, properties: dict, generated_name: bool):
        self.name = name
        self.arn = arn
        self.properties = properties
        self.generated_name = generated_name

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SecretsManager::Secret"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == "Id"

    def get_cfn_attribute(self, attribute_name: str) -> str:
        if attribute_name == "Id":
            return self.arn
        from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

        raise UnformattedGetAttTemplateException()

    @property
    def physical_resource_id(self) -> str:
        return self.arn

    @classmethod
    def _create(cls, name: str, properties: dict, generated: bool, account_id: str, region_name: str) -> "SecretsManagerSecret":
        answer = _secrets_backend(account_id, region_name).create_secret(
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
        return cls(name, json.loads(answer)["ARN"], properties, generated)

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
    ) -> "SecretsManagerSecret":
        properties = cloudformation_json.get("Properties", {})
        if properties.get("Name"):
            return cls._create(properties["Name"], properties, False, account_id, region_name)
        logical_id = kwargs.get("LogicalId") or resource_name
        return cls._create(f"{logical_id}-{_suffix()}", properties, True, account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls, original_resource: Any, new_resource_name: str, cloudformation_json: Any, account_id: str, region_name: str
    ) -> "SecretsManagerSecret":
        properties = cloudformation_json.get("Properties", {})
        old = original_resource.properties
        if properties.get("Name"):
            name, generated = properties["Name"], False
        elif original_resource.generated_name:
            name, generated = original_resource.name, True
        else:
            name, generated = f"{getattr(original_resource, 'logical_resource_id', 'Secret')}-{_suffix()}", True
        if name != original_resource.name:  # a new name replaces the secret
            new = cls._create(name, properties, generated, account_id, region_name)
            original_resource.delete(account_id, region_name)
            return new

        backend = _secrets_backend(account_id, region_name)
        value_changed = any(properties.get(k) != old.get(k) for k in ("SecretString", "GenerateSecretString"))
        backend.update_secret(
            secret_id=original_resource.arn,
            secret_string=_secret_value(properties, account_id, region_name) if value_changed else None,
            # moto, like the API, needs a token to tell an update from a retried create (boto3 adds one).
            client_request_token=str(random.uuid4()),
            kms_key_id=properties.get("KmsKeyId"),
            description=properties.get("Description"),
        )
        old_tags = {t["Key"] for t in _secret_tags(old.get("Tags"))}
        new_tags = {t["Key"]: t["Value"] for t in _secret_tags(properties.get("Tags"))}
        if old_tags - set(new_tags):
            backend.untag_resource(original_resource.arn, sorted(old_tags - set(new_tags)))
        if new_tags:
            backend.tag_resource(original_resource.arn, new_tags)
        return cls(name, original_resource.arn, properties, generated)

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str
    ) -> None:
        cls._delete(resource_name, account_id, region_name)

    @staticmethod
    def _delete(secret_id: str, account_id: str, region_name: str) -> None:
        try:
            _secrets_backend(account_id, region_name).delete_secret(
                secret_id, recovery_window_in_days=None, force_delete_without_recovery=True
            )
        except Exception as e:  # already gone counts as deleted, as in CloudFormation
            if not _gone(e):
                raise

    def delete(self, account_id: str, region_name: str) -> None:
        self._delete(self.arn, account_id, region_name)


def apply() -> str:
    Parameter.create_from_cloudformation_json = classmethod(_parameter_create)
    Parameter.update_from_cloudformation_json = classmethod(_parameter_update)
    Parameter.delete_from_cloudformation_json = classmethod(_parameter_delete)
    # Subclassing CloudFormationModel registers AWS::SecretsManager::Secret (see cloudformation_types.py).
    return NAME
