"""The base for CloudFormation resource types the plugins add to moto's CloudFormation.

moto finds the types it can create from `CloudFormationModel.__subclasses__()` -- direct subclasses
only -- the first time it parses a stack. So a type declares both bases, the framework first:

    class MetricAlarm(ResourceType, CloudFormationModel):
        TYPE = "AWS::CloudWatch::Alarm"        # the CloudFormation type
        NAME_PROPERTY = "AlarmName"            # the property that names it ("" if none): moto then
                                               # passes that name, or one it generated, to create()
        ATTRIBUTES = {"Arn": "arn"}            # Fn::GetAtt name -> attribute of the instance

        @classmethod
        def create(cls, name, properties, account_id, region_name, logical_id): ...  # -> instance
        @classmethod
        def remove(cls, physical_id, properties, account_id, region_name): ...       # delete it
        def update(self, name, properties, account_id, region_name): ...            # optional

An instance is built as `cls(physical_id, properties, **attributes)`; its physical id is the
resource's `Ref` and PhysicalResourceId. The default `update` is CloudFormation's replacement: create
the new resource, then remove the old one if its physical id differs (so an update that keeps the
name updates in place when `create` overwrites). `remove` is the one delete, whether moto deletes
through the instance (stack deletion) or through the template (a resource dropped by an update); a
resource already gone counts as deleted (`deleted_if_gone`), as in CloudFormation.

Defining a subclass without both bases, without TYPE, or that overrides moto's entry points raises
TypeError at import, so the emulator does not start with a type moto would silently skip.
"""

from __future__ import annotations

import contextlib
from typing import Any, ClassVar, Iterator

from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.core.common_models import CloudFormationModel

from ._errors import SERVICE_ERRORS, is_not_found

TYPES: list[type] = []

_ENTRY_POINTS = (
    "cloudformation_type", "cloudformation_name_type", "has_cfn_attr", "get_cfn_attribute",
    "physical_resource_id", "create_from_cloudformation_json", "update_from_cloudformation_json",
    "delete_from_cloudformation_json", "delete", "is_created",
)


@contextlib.contextmanager
def deleted_if_gone() -> Iterator[None]:
    """Runs a delete; a service error saying the resource does not exist counts as deleted."""
    try:
        yield
    except SERVICE_ERRORS as error:
        if not is_not_found(error):
            raise


class ResourceType:
    TYPE: ClassVar[str] = ""
    NAME_PROPERTY: ClassVar[str] = ""
    ATTRIBUTES: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if CloudFormationModel not in cls.__bases__:
            raise TypeError(f"{cls.__qualname__}: declare `class {cls.__name__}(ResourceType, CloudFormationModel)` "
                            "(moto registers direct subclasses of CloudFormationModel only)")
        if not cls.TYPE.startswith("AWS::"):
            raise TypeError(f"{cls.__qualname__}: TYPE must name a CloudFormation type, got {cls.TYPE!r}")
        overridden = [n for n in _ENTRY_POINTS if n in vars(cls)]
        if overridden:
            raise TypeError(f"{cls.__qualname__}: implement create/update/remove, not moto's {overridden}")
        own = cls.__mro__[: cls.__mro__.index(ResourceType)]
        for hook in ("create", "remove"):
            if not any(hook in vars(klass) for klass in own):
                raise TypeError(f"{cls.__qualname__}: must implement {hook}()")
        TYPES.append(cls)

    def __init__(self, physical_id: str, properties: dict, **attributes: Any):
        self.physical_id = physical_id
        self.properties = properties
        self.__dict__.update(attributes)

    # --- what a type implements -------------------------------------------------------------------

    @classmethod
    def create(cls, name: str, properties: dict, account_id: str, region_name: str, logical_id: str) -> "ResourceType":
        raise NotImplementedError

    @classmethod
    def remove(cls, physical_id: str, properties: dict, account_id: str, region_name: str) -> None:
        raise NotImplementedError

    def update(self, name: str, properties: dict, account_id: str, region_name: str) -> "ResourceType":
        new = type(self).create(name, properties, account_id, region_name, getattr(self, "logical_resource_id", name))
        if new.physical_id != self.physical_id:
            self.remove(self.physical_id, self.properties, account_id, region_name)
        return new

    # --- moto's entry points, in one place ----------------------------------------------------------

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.TYPE

    @classmethod
    def cloudformation_name_type(cls) -> str:
        return cls.NAME_PROPERTY

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.ATTRIBUTES

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name not in self.ATTRIBUTES:
            raise UnformattedGetAttTemplateException()
        return getattr(self, self.ATTRIBUTES[attribute_name])

    @property
    def physical_resource_id(self) -> str:
        return self.physical_id

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
    ) -> "ResourceType":
        properties = dict(cloudformation_json.get("Properties") or {})
        return cls.create(resource_name, properties, account_id, region_name, kwargs.get("LogicalId") or resource_name)

    @classmethod
    def update_from_cloudformation_json(
        cls, original_resource: Any, new_resource_name: str, cloudformation_json: Any, account_id: str, region_name: str
    ) -> "ResourceType":
        properties = dict(cloudformation_json.get("Properties") or {})
        return original_resource.update(new_resource_name, properties, account_id, region_name)

    @classmethod
    def delete_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str
    ) -> None:
        with deleted_if_gone():
            cls.remove(resource_name, dict(cloudformation_json.get("Properties") or {}), account_id, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        with deleted_if_gone():
            self.remove(self.physical_id, self.properties, account_id, region_name)

    def is_created(self) -> bool:
        return True
