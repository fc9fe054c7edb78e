"""Tests for scripts/gen-docs.

Run from the repository root:
    python3 -m unittest discover -s scripts/tests

fixtures/schema.json is hand-written in the exact `terraform providers schema
-json` format. fixtures/expected/ holds the reviewed output for it; after an
intentional change to the layout, regenerate it with
    scripts/gen-docs --schema scripts/tests/fixtures/schema.json \\
        --provider secure-mlops/sagemaker \\
        --examples scripts/tests/fixtures/examples/resources \\
        --out scripts/tests/fixtures/expected
and review the diff.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPT = HERE.parent / "gen-docs"
FIXTURES = HERE / "fixtures"
SCHEMA = FIXTURES / "schema.json"
EXAMPLES = FIXTURES / "examples" / "resources"
EXPECTED = FIXTURES / "expected"
PROVIDER = "secure-mlops/sagemaker"


def load_module():
    loader = importlib.machinery.SourceFileLoader("gen_docs", str(SCRIPT))
    spec = importlib.util.spec_from_loader("gen_docs", loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules["gen_docs"] = module  # dataclasses look the module up while it loads
    loader.exec_module(module)
    return module


gen_docs = load_module()


def load_fixture():
    return json.loads(SCHEMA.read_text(encoding="utf-8"))


def reverse_keys(value):
    """Same JSON with every object's keys in reverse order."""
    if isinstance(value, dict):
        return {k: reverse_keys(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [reverse_keys(v) for v in value]
    return value


def run(*args, stdin=None):
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )


def section(text: str, heading: str) -> str:
    """Text after `heading` up to the next heading of the same or higher level."""
    level = len(heading.split(" ", 1)[0])
    start = text.index(heading + "\n") + len(heading) + 1
    pattern = re.compile(r"^#{1,%d} " % level, re.M)
    match = pattern.search(text, start)
    return text[start : match.start() if match else len(text)]


def nested_section(text: str, anchor: str) -> str:
    """Body of a nested schema section, from its anchor to the next heading."""
    start = text.index(f'<a id="{anchor}"></a>\n')
    body_start = text.index("\n", text.index("### ", start)) + 1
    match = re.compile(r"^(<a id=|#{1,3} )", re.M).search(text, body_start)
    return text[body_start : match.start() if match else len(text)]


def bullets(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("- ")]


def names(lines: list[str]) -> list[str]:
    return [re.match(r"- `([^`]+)`", line).group(1) for line in lines]


def labelled(text: str, label: str) -> list[str]:
    """Bullets under a `Required:`-style label inside a nested section."""
    parts = re.split(r"^(Required|Optional|Read-Only):$", text, flags=re.M)
    for i in range(1, len(parts), 2):
        if parts[i] == label:
            return bullets(parts[i + 1])
    return []


class RenderTypeTest(unittest.TestCase):
    def test_primitives(self):
        self.assertEqual(gen_docs.render_type("string"), ("String", None))
        self.assertEqual(gen_docs.render_type("number"), ("Number", None))
        self.assertEqual(gen_docs.render_type("bool"), ("Boolean", None))
        self.assertEqual(gen_docs.render_type("dynamic"), ("Dynamic", None))

    def test_collections(self):
        self.assertEqual(gen_docs.render_type(["set", "string"])[0], "Set of String")
        self.assertEqual(gen_docs.render_type(["list", "number"])[0], "List of Number")
        self.assertEqual(gen_docs.render_type(["map", "bool"])[0], "Map of Boolean")
        self.assertEqual(gen_docs.render_type(["list", ["set", "string"]])[0], "List of Set of String")

    def test_objects_return_their_attributes(self):
        text, obj = gen_docs.render_type(["list", ["object", {"a": "string"}]])
        self.assertEqual(text, "List of Object")
        self.assertEqual(obj, {"a": "string"})
        self.assertEqual(gen_docs.render_type(["object", {"b": "number"}]), ("Object", {"b": "number"}))

    def test_unknown_type_is_an_error(self):
        with self.assertRaises(gen_docs.GenDocsError):
            gen_docs.render_type(["frobnicate", "string"])


class GeneratedDocsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.files = gen_docs.generate(load_fixture(), PROVIDER, str(EXAMPLES))
        cls.domain = cls.files["resources/domain.md"]
        cls.index = cls.files["index.md"]

    def test_one_page_per_type_of_the_selected_provider_only(self):
        self.assertEqual(
            sorted(self.files),
            ["data-sources/domain.md", "index.md", "resources/domain.md", "resources/projects_enablement.md"],
        )
        for text in self.files.values():
            self.assertNotIn("random_id", text)

    def test_front_matter(self):
        self.assertTrue(
            self.files["resources/projects_enablement.md"].startswith(
                "---\n"
                "# generated by scripts/gen-docs; DO NOT EDIT\n"
                'page_title: "sagemaker_projects_enablement Resource - sagemaker"\n'
                'subcategory: ""\n'
                "description: |-\n"
                "  Enables SageMaker Projects for the account.\n"
                "---\n"
                "\n"
                "# sagemaker_projects_enablement (Resource)\n"
                "\n"
                "Enables SageMaker Projects for the account.\n"
            )
        )

    def test_multiline_description_is_indented_in_front_matter_and_kept_as_markdown(self):
        self.assertIn(
            "description: |-\n"
            "  Manages a SageMaker domain.\n"
            "\n"
            "  The domain is created **without** direct internet access.\n"
            "---\n",
            self.domain,
        )
        self.assertIn(
            "# sagemaker_domain (Resource)\n\nManages a SageMaker domain.\n\n"
            "The domain is created **without** direct internet access.\n\n## Example Usage\n",
            self.domain,
        )

    def test_section_order(self):
        markers = [
            "## Example Usage\n",
            "<!-- schema generated by gen-docs -->\n## Schema\n",
            "### Required\n",
            "### Optional\n",
            "### Read-Only\n",
            '<a id="nestedblock--rule"></a>\n',
            "## Import\n",
        ]
        positions = [self.domain.index(m) for m in markers]
        self.assertEqual(positions, sorted(positions))

    def test_attributes_grouped_by_required_optional_computed(self):
        required = names(bullets(section(self.domain, "### Required")))
        optional = names(bullets(section(self.domain, "### Optional")))
        read_only = names(bullets(section(self.domain, "### Read-Only")))
        self.assertEqual(required, ["name", "rule", "security_group_ids"])
        self.assertIn("enable_docker", optional)
        self.assertIn("enable_sso", optional)
        self.assertIn("kms_key_id", optional, "optional+computed belongs under Optional")
        self.assertEqual(read_only, ["arn", "id", "status"])

    def test_lists_sorted_by_name(self):
        for heading in ("### Required", "### Optional", "### Read-Only"):
            listed = names(bullets(section(self.domain, heading)))
            self.assertEqual(listed, sorted(listed), heading)

    def test_attribute_lines(self):
        for line in [
            "- `security_group_ids` (Set of String) Security groups for the domain ENIs.",
            "- `subnet_ids` (List of String)",
            "- `tags` (Map of String) Tags to apply.",
            "- `enable_docker` (Boolean) Allow Docker in Studio.",
            "- `retention_days` (Number)",
            "- `extra` (Dynamic)",
            "- `arn` (String) ARN of the domain.",
            "- `app_token` (String, Sensitive) Token passed to apps.",
            "- `legacy_mode` (Boolean, Deprecated) Use the legacy networking mode.",
        ]:
            self.assertIn("\n" + line + "\n", self.domain)

    def test_block_lines(self):
        for line in [
            "- `network` (Block, Optional) Network settings. (see [below for nested schema](#nestedblock--network))",
            "- `timeouts` (Block, Optional) (see [below for nested schema](#nestedblock--timeouts))",
            "- `user_settings` (Block Map) Per-profile user settings. "
            "(see [below for nested schema](#nestedblock--user_settings))",
            "- `rule` (Block List, Min: 1, Max: 3) (see [below for nested schema](#nestedblock--rule))",
            "- `tag_filter` (Block Set) (see [below for nested schema](#nestedblock--tag_filter))",
        ]:
            self.assertIn("\n" + line + "\n", self.domain)
        self.assertIn(
            "\n- `assume_role` (Block List, Max: 1) Role assumed before any API call. "
            "(see [below for nested schema](#nestedblock--assume_role))\n",
            self.index,
        )

    def test_every_link_has_exactly_one_anchor(self):
        for rel, text in self.files.items():
            links = re.findall(r"\(#([^)]+)\)", text)
            anchors = re.findall(r'<a id="([^"]+)"></a>', text)
            self.assertEqual(len(anchors), len(set(anchors)), rel)
            self.assertEqual(sorted(links), sorted(anchors), rel)

    def test_nested_group_blocks_recurse(self):
        self.assertIn(
            '<a id="nestedblock--network"></a>\n### Nested Schema for `network`\n\nRequired:\n', self.domain
        )
        network = nested_section(self.domain, "nestedblock--network")
        self.assertEqual(names(labelled(network, "Required")), ["vpc_id"])
        self.assertEqual(names(labelled(network, "Optional")), ["flow_logs", "public_access"])
        self.assertEqual(names(labelled(network, "Read-Only")), ["network_id"])
        self.assertIn(
            "- `flow_logs` (Block, Optional) Flow log settings. "
            "(see [below for nested schema](#nestedblock--network--flow_logs))",
            network,
        )
        self.assertIn(
            '<a id="nestedblock--network--flow_logs"></a>\n### Nested Schema for `network.flow_logs`\n',
            self.domain,
        )
        flow_logs = nested_section(self.domain, "nestedblock--network--flow_logs")
        self.assertEqual(names(labelled(flow_logs, "Optional")), ["enabled"])
        self.assertEqual(names(labelled(flow_logs, "Read-Only")), ["log_group"])
        # A child's section follows its parent's.
        self.assertLess(
            self.domain.index('<a id="nestedblock--network"></a>'),
            self.domain.index('<a id="nestedblock--network--flow_logs"></a>'),
        )

    def test_map_and_timeouts_nested_sections(self):
        user_settings = nested_section(self.domain, "nestedblock--user_settings")
        self.assertEqual(names(labelled(user_settings, "Required")), ["execution_role"])
        timeouts = nested_section(self.domain, "nestedblock--timeouts")
        self.assertEqual(
            labelled(timeouts, "Optional"),
            ["- `create` (String) How long to wait for creation.", "- `delete` (String)"],
        )
        self.assertEqual(labelled(timeouts, "Required"), [])

    def test_nested_attributes_and_object_types(self):
        self.assertIn(
            "- `endpoints` (Attributes List) Extra endpoints. (see [below for nested schema](#nestedatt--endpoints))",
            self.domain,
        )
        endpoints = nested_section(self.domain, "nestedatt--endpoints")
        self.assertEqual(names(labelled(endpoints, "Required")), ["url"])
        self.assertEqual(names(labelled(endpoints, "Optional")), ["port"])
        self.assertIn(
            "- `status` (List of Object) Status history. (see [below for nested schema](#nestedatt--status))",
            self.domain,
        )
        status = nested_section(self.domain, "nestedatt--status")
        self.assertEqual(labelled(status, "Read-Only"), ["- `code` (Number)", "- `message` (String)"])

    def test_example_and_import_are_included(self):
        example = (EXAMPLES / "sagemaker_domain" / "resource.tf").read_text().strip()
        self.assertIn("## Example Usage\n\n```terraform\n" + example + "\n```\n", self.domain)
        import_sh = (EXAMPLES / "sagemaker_domain" / "import.sh").read_text().strip()
        self.assertTrue(
            self.domain.endswith(
                "\n## Import\n\nImport is supported using the following syntax:\n\n"
                "```shell\n" + import_sh + "\n```\n"
            )
        )
        self.assertNotIn("## Import", self.files["resources/projects_enablement.md"])
        self.assertIn('```terraform\nprovider "sagemaker" {\n', self.index)
        self.assertIn('```terraform\ndata "sagemaker_domain" "this" {\n', self.files["data-sources/domain.md"])

    def test_missing_examples_leave_sections_out(self):
        files = gen_docs.generate(load_fixture(), PROVIDER, None)
        for text in files.values():
            self.assertNotIn("## Example Usage", text)
            self.assertNotIn("## Import", text)
            self.assertIn("## Schema", text)

    def test_examples_dir_may_be_the_examples_root(self):
        files = gen_docs.generate(load_fixture(), PROVIDER, str(EXAMPLES.parent))
        self.assertEqual(files, self.files)

    def test_provider_index(self):
        self.assertTrue(self.index.startswith('---\n# generated by scripts/gen-docs; DO NOT EDIT\npage_title: "sagemaker Provider"\n'))
        self.assertIn("\n# sagemaker Provider\n\nManages Amazon SageMaker resources with secure defaults.\n", self.index)
        self.assertEqual(names(bullets(section(self.index, "### Optional"))), ["access_key", "assume_role", "profile", "region"])
        self.assertIn("- `access_key` (String, Sensitive) Static access key.", self.index)

    def test_whitespace(self):
        for rel, text in self.files.items():
            self.assertTrue(text.endswith("\n") and not text.endswith("\n\n"), rel)
            for number, line in enumerate(text.split("\n"), 1):
                self.assertEqual(line, line.rstrip(), f"{rel}:{number} has trailing whitespace")

    def test_deterministic_regardless_of_json_key_order(self):
        again = gen_docs.generate(reverse_keys(load_fixture()), PROVIDER, str(EXAMPLES))
        self.assertEqual(again, self.files)

    def test_matches_reviewed_expected_output(self):
        expected = {
            str(p.relative_to(EXPECTED)).replace(os.sep, "/"): p.read_text(encoding="utf-8")
            for p in EXPECTED.rglob("*.md")
        }
        self.assertEqual(sorted(expected), sorted(self.files))
        for rel, text in self.files.items():
            self.assertEqual(text, expected[rel], rel)


class ProviderSelectionTest(unittest.TestCase):
    def test_full_source_address_matches(self):
        files = gen_docs.generate(load_fixture(), "registry.terraform.io/secure-mlops/sagemaker", None)
        self.assertIn("resources/domain.md", files)

    def test_suffix_must_match_whole_path_segments(self):
        with self.assertRaises(gen_docs.GenDocsError):
            gen_docs.generate(load_fixture(), "mlops/sagemaker", None)

    def test_unknown_provider(self):
        with self.assertRaisesRegex(gen_docs.GenDocsError, "not found"):
            gen_docs.generate(load_fixture(), "secure-mlops/other", None)

    def test_unsafe_type_names_are_refused(self):
        schema = load_fixture()
        resources = schema["provider_schemas"]["registry.terraform.io/secure-mlops/sagemaker"]["resource_schemas"]
        resources["sagemaker_../../evil"] = resources["sagemaker_projects_enablement"]
        with self.assertRaises(gen_docs.GenDocsError):
            gen_docs.generate(schema, PROVIDER, None)


class CommandLineTest(unittest.TestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="gen-docs-test-"))
        self.addCleanup(shutil.rmtree, self.tmp)
        self.out = self.tmp / "docs"
        self.args = ["--schema", str(SCHEMA), "--provider", PROVIDER, "--examples", str(EXAMPLES), "--out", str(self.out)]

    def generate(self):
        result = run(*self.args)
        self.assertEqual(result.returncode, 0, result.stderr)

    def check(self):
        return run(*self.args, "--check")

    def test_script_is_executable_python3(self):
        self.assertTrue(os.access(SCRIPT, os.X_OK))
        self.assertEqual(SCRIPT.read_text().splitlines()[0], "#!/usr/bin/env python3")

    def test_writes_expected_files(self):
        self.generate()
        for rel in ["index.md", "resources/domain.md", "resources/projects_enablement.md", "data-sources/domain.md"]:
            self.assertEqual(
                (self.out / rel).read_bytes(), (EXPECTED / rel).read_bytes(), rel
            )

    def test_schema_from_stdin(self):
        args = list(self.args)
        args[1] = "-"
        result = run(*args, stdin=SCHEMA.read_text())
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual((self.out / "resources/domain.md").read_text(), (EXPECTED / "resources/domain.md").read_text())

    def test_check_passes_when_up_to_date(self):
        self.generate()
        result = self.check()
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_check_detects_a_stale_file(self):
        self.generate()
        page = self.out / "resources" / "domain.md"
        page.write_text(page.read_text().replace("Domain ID.", "Old description."))
        result = self.check()
        self.assertEqual(result.returncode, 1)
        self.assertIn("differs: " + str(page), result.stderr)
        self.assertNotIn("projects_enablement", result.stderr)
        self.assertIn("Old description.", page.read_text(), "--check must not write")

    def test_check_detects_missing_files_and_writes_nothing(self):
        result = self.check()
        self.assertEqual(result.returncode, 1)
        self.assertIn("missing: " + str(self.out / "resources" / "projects_enablement.md"), result.stderr)
        self.assertFalse(self.out.exists())

    def test_pages_for_removed_resources_are_stale(self):
        self.generate()
        old = self.out / "resources" / "removed.md"
        shutil.copy(self.out / "resources" / "domain.md", old)
        hand_written = self.out / "resources" / "notes.md"
        hand_written.write_text("# Notes\n")
        result = self.check()
        self.assertEqual(result.returncode, 1)
        self.assertIn("stale: " + str(old), result.stderr)
        self.assertNotIn("notes.md", result.stderr)
        self.generate()
        self.assertFalse(old.exists())
        self.assertTrue(hand_written.exists())
        self.assertEqual(self.check().returncode, 0)

    def test_regenerating_fixes_stale_docs(self):
        self.generate()
        (self.out / "index.md").write_text("stale\n")
        self.assertEqual(self.check().returncode, 1)
        self.generate()
        self.assertEqual(self.check().returncode, 0)

    def test_input_errors_exit_2(self):
        result = run("--schema", str(SCHEMA), "--provider", "nobody/nothing", "--out", str(self.out))
        self.assertEqual(result.returncode, 2)
        self.assertIn("not found", result.stderr)
        result = run("--schema", "-", "--provider", PROVIDER, "--out", str(self.out), stdin="not json")
        self.assertEqual(result.returncode, 2)
        self.assertIn("not valid JSON", result.stderr)


if __name__ == "__main__":
    unittest.main()
