"""The one way a plugin changes moto: `patch(owner, name, replacement, corrects=...)`.

Every replacement or addition of an attribute of a moto class or module goes through `patch`, so that

- a moto upgrade that renames or removes what a plugin replaces stops the emulator at startup with
  `PatchError: moto plugin '<plugin>': <module>.<Owner> has no attribute '<name>' (moto upgraded?)`,
  instead of silently un-patching it (moto would then quietly behave as it did before the plugin);
- a moto upgrade that starts implementing what a plugin adds (`adds=True`) stops it too, so the plugin
  is reviewed rather than shadowing moto's new code;
- each patch states, in one line, the moto behaviour it corrects (`corrects=`); `PATCHES` lists them
  all (the startup log counts them per plugin).

Replacing (the default): the attribute must exist on the owner (a module, or a class or one of its
bases). The replacement is installed with the same kind as the attribute it replaces (plain method,
classmethod, staticmethod, property or module function) and always receives the original first,
already bound as the replaced attribute would have been:

    def terminate(original, self):             # Instance.terminate, a method
        state = original()                     # moto's (or an earlier plugin's) terminate of self
    def create(original, cls, name, json, account_id, region_name, **kw):   # a classmethod
        resource = original(name, json, account_id, region_name, **kw)
    def vpc_config(original, self):            # a property: original() is moto's value
    def parse_and_create_resource(original, logical_id, ...):               # a module function

The original is read when `patch` runs (at the plugin's `apply()`), so two plugins that replace the
same attribute chain in registry order: the later one's original is the earlier one's replacement.

Adding (`adds=True`): the attribute must not exist yet (on the owner or its bases, `object` aside);
the replacement is installed as given (wrap it in classmethod/property yourself) and gets no original.
"""

from __future__ import annotations

import functools
import inspect
import types
from dataclasses import dataclass
from typing import Any, Callable

_MISSING = object()


class PatchError(RuntimeError):
    """A plugin's patch no longer fits moto: the emulator must not start."""


@dataclass(frozen=True)
class Patch:
    plugin: str
    owner: str
    name: str
    corrects: str
    adds: bool

    def describe(self) -> str:
        verb = "adds" if self.adds else "replaces"
        return f"{self.plugin}: {verb} {self.owner}.{self.name} -- {self.corrects}"


PATCHES: list[Patch] = []
_current_plugin: list[str] = []


def qualified_name(owner: Any) -> str:
    if isinstance(owner, types.ModuleType):
        return owner.__name__
    return f"{owner.__module__}.{owner.__qualname__}"


class applying:
    """Context naming the plugin whose `apply()` is running (used in error messages and PATCHES)."""

    def __init__(self, plugin: str):
        self.plugin = plugin

    def __enter__(self) -> None:
        _current_plugin.append(self.plugin)

    def __exit__(self, *exc: Any) -> None:
        _current_plugin.pop()


def _plugin_name() -> str:
    if _current_plugin:
        return _current_plugin[-1]
    caller = inspect.stack()[2]
    module = inspect.getmodule(caller.frame)
    return (module.__name__ if module else caller.filename).rsplit(".", 1)[-1]


def _lookup(owner: Any, name: str) -> Any:
    """The raw attribute (descriptor, not its bound value) as the owner resolves it, or _MISSING."""
    if isinstance(owner, types.ModuleType):
        return vars(owner).get(name, _MISSING)
    if not isinstance(owner, type):
        raise TypeError(f"patch owner must be a class or module, got {owner!r}")
    for klass in owner.__mro__:
        if klass is object:
            break
        if name in vars(klass):
            return vars(klass)[name]
    return _MISSING


def _wrap(raw: Any, replacement: Callable, owner: Any, name: str) -> Any:
    """The replacement, installed with the kind of `raw`, receiving the bound original first."""
    if isinstance(owner, types.ModuleType) or not isinstance(
        raw, (types.FunctionType, classmethod, staticmethod, property)
    ):
        if not callable(raw):
            raise PatchError(f"{qualified_name(owner)}.{name} is not callable; a replacement cannot wrap it")

        @functools.wraps(replacement)
        def plain(*args: Any, **kwargs: Any) -> Any:
            return replacement(raw, *args, **kwargs)

        return plain
    if isinstance(raw, classmethod):
        function = raw.__func__

        @functools.wraps(replacement)
        def class_method(cls: Any, *args: Any, **kwargs: Any) -> Any:
            return replacement(function.__get__(cls, cls), cls, *args, **kwargs)

        return classmethod(class_method)
    if isinstance(raw, staticmethod):
        function = raw.__func__

        @functools.wraps(replacement)
        def static_method(*args: Any, **kwargs: Any) -> Any:
            return replacement(function, *args, **kwargs)

        return staticmethod(static_method)
    if isinstance(raw, property):
        if raw.fget is None:
            raise PatchError(f"{qualified_name(owner)}.{name} is a property without a getter")
        getter = raw.fget

        @functools.wraps(replacement)
        def fget(self: Any) -> Any:
            return replacement(functools.partial(getter, self), self)

        return property(fget, raw.fset, raw.fdel, replacement.__doc__ or raw.__doc__)

    @functools.wraps(replacement)
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        return replacement(raw.__get__(self, type(self)), self, *args, **kwargs)

    return method


def patch(owner: Any, name: str, replacement: Any, *, corrects: str, adds: bool = False) -> Any:
    """Replaces (or with adds=True, adds) `owner.name`; returns what was there before (None if added).

    Raises PatchError naming the plugin, the owner and the attribute when moto does not match.
    """
    plugin = _plugin_name()
    if not isinstance(corrects, str) or not corrects.strip() or "\n" in corrects.strip():
        raise PatchError(f"moto plugin '{plugin}': patch of {name!r} must say in one line what it corrects")
    owner_name = qualified_name(owner)
    raw = _lookup(owner, name)
    if adds:
        if raw is not _MISSING:
            raise PatchError(
                f"moto plugin '{plugin}': {owner_name} already has attribute {name!r}, which the plugin "
                f"adds (moto upgraded? it may implement it now: review the plugin)"
            )
        installed = replacement
    else:
        if raw is _MISSING:
            raise PatchError(f"moto plugin '{plugin}': {owner_name} has no attribute {name!r} (moto upgraded?)")
        if not callable(replacement):
            raise PatchError(f"moto plugin '{plugin}': the replacement of {owner_name}.{name} must be a function")
        installed = _wrap(raw, replacement, owner, name)
    setattr(owner, name, installed)
    PATCHES.append(Patch(plugin, owner_name, name, corrects.strip(), adds))
    return None if raw is _MISSING else raw
