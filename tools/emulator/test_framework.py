"""Tests of the plugin framework: the patch helper, the registry, the ResourceType base, and that the
emulator refuses to start when a plugin's patch no longer fits moto.

Run with  .venv/bin/python -m unittest discover -s tools/emulator
"""

import os
import shutil
import subprocess
import sys
import tempfile
import types
import unittest

from moto.core.common_models import CloudFormationModel

import moto_plugins
from moto_plugins import _patching
from moto_plugins._patching import PatchError, patch
from moto_plugins._resource_type import ResourceType

HERE = os.path.dirname(os.path.abspath(__file__))


class Base:
    def method(self, x):
        return ("base", self.tag, x)


class Owner(Base):
    tag = "owner"

    @classmethod
    def make(cls, x):
        return (cls.__name__, x)

    @staticmethod
    def static(x):
        return ("static", x)

    @property
    def value(self):
        return "moto"


def module_function(x):
    return ("module", x)


class PatchHelperTest(unittest.TestCase):
    def setUp(self):
        self.owner = type("Owner", (Owner,), {"__module__": __name__})
        self.module = types.ModuleType("fake_moto_module")
        self.module.function = module_function
        self.patches = len(_patching.PATCHES)

    def tearDown(self):
        del _patching.PATCHES[self.patches:]

    def test_replacements_receive_the_bound_original_of_every_kind(self):
        patch(self.owner, "method", lambda original, self, x: ("new",) + original(x), corrects="test")
        patch(self.owner, "make", lambda original, cls, x: ("new",) + original(x), corrects="test")
        patch(self.owner, "static", lambda original, x: ("new",) + original(x), corrects="test")
        patch(self.owner, "value", lambda original, self: f"not {original()}", corrects="test")
        patch(self.module, "function", lambda original, x: ("new",) + original(x), corrects="test")
        instance = self.owner()
        self.assertEqual(instance.method(1), ("new", "base", "owner", 1))  # inherited, found on a base
        self.assertEqual(self.owner.make(2), ("new", "Owner", 2))
        self.assertEqual(instance.static(3), ("new", "static", 3))
        self.assertEqual(instance.value, "not moto")
        self.assertEqual(self.module.function(4), ("new", "module", 4))
        self.assertEqual(Base.method(instance, 5), ("base", "owner", 5))  # the base class is untouched

    def test_a_missing_attribute_is_refused_naming_plugin_owner_and_attribute(self):
        with _patching.applying("example_plugin"):
            with self.assertRaises(PatchError) as ctx:
                patch(self.owner, "methd", lambda original, self: None, corrects="test")
        self.assertEqual(
            str(ctx.exception),
            f"moto plugin 'example_plugin': {__name__}.Owner has no attribute 'methd' (moto upgraded?)",
        )
        with self.assertRaises(PatchError) as ctx:
            patch(self.module, "functon", lambda original: None, corrects="test")
        self.assertIn("fake_moto_module has no attribute 'functon' (moto upgraded?)", str(ctx.exception))

    def test_an_addition_that_moto_already_has_is_refused(self):
        with self.assertRaises(PatchError) as ctx:
            patch(self.owner, "method", lambda self: None, adds=True, corrects="test")
        self.assertIn("already has attribute 'method'", str(ctx.exception))
        patch(self.owner, "added", lambda self: "added", adds=True, corrects="test")
        self.assertEqual(self.owner().added(), "added")

    def test_every_patch_says_what_it_corrects(self):
        for corrects in ("", "   ", "two\nlines"):
            with self.assertRaises(PatchError):
                patch(self.owner, "method", lambda original, self, x: None, corrects=corrects)
        self.assertEqual(self.owner().method(1), ("base", "owner", 1))  # nothing was installed

    def test_patches_are_recorded(self):
        with _patching.applying("example_plugin"):
            patch(self.owner, "method", lambda original, self, x: None, corrects="moto does X")
        record = _patching.PATCHES[-1]
        self.assertEqual((record.plugin, record.name, record.corrects, record.adds), ("example_plugin", "method", "moto does X", False))
        self.assertEqual(record.owner, f"{__name__}.Owner")


class RegistryTest(unittest.TestCase):
    def test_every_plugin_module_is_registered_once(self):
        modules = {
            f[:-3] for f in os.listdir(os.path.join(HERE, "moto_plugins")) if f.endswith(".py") and not f.startswith("_")
        }
        self.assertEqual(len(moto_plugins.PLUGINS), len(set(moto_plugins.PLUGINS)))
        self.assertEqual(set(moto_plugins.PLUGINS), modules)

    def test_applying_the_registry_patches_moto_with_documented_patches(self):
        names = moto_plugins.apply_all()
        self.assertEqual(len(names), len(moto_plugins.PLUGINS))
        self.assertEqual(moto_plugins.apply_all(), names)  # once only
        patches = [p for p in _patching.PATCHES if p.plugin in moto_plugins.PLUGINS]
        self.assertGreater(len(patches), 50)
        self.assertTrue(all(p.owner.startswith("moto.") for p in patches), [p.owner for p in patches])
        targets = [(p.owner, p.name) for p in patches]
        self.assertEqual(len(targets), len(set(targets)), "an attribute patched twice: chain it on purpose")
        for module_name in moto_plugins.PLUGINS:
            module = sys.modules[f"moto_plugins.{module_name}"]
            self.assertTrue(module.__doc__ and len(module.__doc__) > 200, module_name)
            self.assertIn(module.NAME, names)


class ResourceTypeTest(unittest.TestCase):
    def test_a_type_must_be_a_direct_cloudformation_model(self):
        with self.assertRaisesRegex(TypeError, "CloudFormationModel"):
            class NotRegistered(ResourceType):  # noqa: F841
                TYPE = "AWS::Test::NotRegistered"

    def test_a_type_must_implement_create_and_remove_and_nothing_of_motos(self):
        with self.assertRaisesRegex(TypeError, "must implement remove"):
            class NoRemove(ResourceType, CloudFormationModel):  # noqa: F841
                TYPE = "AWS::Test::NoRemove"

                @classmethod
                def create(cls, name, properties, account_id, region_name, logical_id):
                    return cls(name, properties)

        with self.assertRaisesRegex(TypeError, "create_from_cloudformation_json"):
            class Overrides(ResourceType, CloudFormationModel):  # noqa: F841
                TYPE = "AWS::Test::Overrides"
                create = remove = classmethod(lambda cls, *a: None)

                @classmethod
                def create_from_cloudformation_json(cls, *a, **k):
                    return None

    def test_entry_points_come_from_the_declaration(self):
        removed = []

        class Thing(ResourceType, CloudFormationModel):
            __module__ = "moto_plugins.test_only"  # moto's model metaclass reads a dotted module name
            TYPE = "AWS::Test::Thing"
            NAME_PROPERTY = "ThingName"
            ATTRIBUTES = {"Arn": "arn"}

            @classmethod
            def create(cls, name, properties, account_id, region_name, logical_id):
                return cls(properties.get("ThingName", name), properties, arn=f"arn:{name}:{logical_id}")

            @classmethod
            def remove(cls, physical_id, properties, account_id, region_name):
                removed.append(physical_id)

        self.assertIn(Thing, CloudFormationModel.__subclasses__())
        self.assertEqual((Thing.cloudformation_type(), Thing.cloudformation_name_type()), ("AWS::Test::Thing", "ThingName"))
        self.assertTrue(Thing.has_cfn_attr("Arn"))
        self.assertFalse(Thing.has_cfn_attr("Id"))
        made = Thing.create_from_cloudformation_json("gen-name", {"Properties": {}}, "1", "r", LogicalId="Logical")
        self.assertEqual((made.physical_resource_id, made.get_cfn_attribute("Arn")), ("gen-name", "arn:gen-name:Logical"))
        renamed = Thing.update_from_cloudformation_json(made, "gen-name", {"Properties": {"ThingName": "other"}}, "1", "r")
        self.assertEqual((renamed.physical_resource_id, removed), ("other", ["gen-name"]))  # replaced: old removed
        same = Thing.update_from_cloudformation_json(renamed, "x", {"Properties": {"ThingName": "other"}}, "1", "r")
        self.assertEqual((same.physical_resource_id, removed), ("other", ["gen-name"]))  # in place
        same.delete("1", "r")
        Thing.delete_from_cloudformation_json("by-template", {"Properties": {}}, "1", "r")
        self.assertEqual(removed, ["gen-name", "other", "by-template"])


class ServerRefusesAMismatchedPatchTest(unittest.TestCase):
    """A misspelt moto attribute in a plugin's patch call (as a moto upgrade renaming it would cause)
    makes server.py exit non-zero, naming the attribute, without printing the ready line."""

    def test_misspelt_attribute_stops_the_server(self):
        with tempfile.TemporaryDirectory() as tmp:
            copy = os.path.join(tmp, "emulator")
            shutil.copytree(HERE, copy, ignore=shutil.ignore_patterns("__pycache__"))
            plugin = os.path.join(copy, "moto_plugins", "ec2_interfaces.py")
            with open(plugin) as f:
                source = f.read()
            self.assertEqual(source.count('patch(NetworkInterface, "get_filter_value"'), 1)
            with open(plugin, "w") as f:
                f.write(source.replace('patch(NetworkInterface, "get_filter_value"', 'patch(NetworkInterface, "get_filter_valeu"'))
            run = subprocess.run(
                [sys.executable, os.path.join(copy, "server.py"), "--port", "0"],
                stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
            )
        self.assertEqual(run.returncode, 3, run.stderr[-3000:])
        self.assertEqual(run.stdout, "")
        self.assertIn(
            "emulator: refusing to start: moto plugin 'ec2_interfaces': "
            "moto.ec2.models.elastic_network_interfaces.NetworkInterface has no attribute 'get_filter_valeu' (moto upgraded?)",
            run.stderr,
        )


if __name__ == "__main__":
    unittest.main()
