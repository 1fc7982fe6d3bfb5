"""Write a `Scenario` back out as YAML or JSON in the contract's field names."""

from __future__ import annotations

import json
import re
from typing import Any, Literal

import yaml

from mobilize.scenario.schemas import Scenario

ScenarioFormat = Literal["yaml", "json"]
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class _ScenarioDumper(yaml.SafeDumper):
    """Writes dates unquoted (`2018-11-26`) and indents lists, as people write them by hand."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


# Our reader keeps dates as text (see `source`), so the writer must not quote them either.
_ScenarioDumper.yaml_implicit_resolvers = {
    first_char: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first_char, resolvers in yaml.SafeDumper.yaml_implicit_resolvers.items()
}


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.Node:
    if _ISO_DATE.fullmatch(text):
        return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="")
    if "\n" in text:
        return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|")
    return dumper.represent_str(text)


_ScenarioDumper.add_representer(str, _represent_text)


def scenario_document(scenario: Scenario) -> dict[str, Any]:
    """Plain data in the file format: aliases (`from`), ISO dates, no unset optional fields."""
    return scenario.model_dump(mode="json", by_alias=True, exclude_none=True)


def dump_scenario(scenario: Scenario, file_format: ScenarioFormat = "yaml") -> str:
    document = scenario_document(scenario)
    if file_format == "json":
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    # Leaf records ({id, name, lat, lon}) in flow style, one per line; the rest as blocks.
    return yaml.dump(
        document,
        Dumper=_ScenarioDumper,
        sort_keys=False,
        default_flow_style=None,
        allow_unicode=True,
        width=100,
    )
