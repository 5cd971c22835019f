"""deploy/observability: every metric the alert rules and the dashboards read is one the code defines."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
OBSERVABILITY = ROOT / "deploy" / "observability"
METRIC_CLASSES = {
    "Counter": ("_total", "_created"),
    "Gauge": (),
    "Histogram": ("_bucket", "_sum", "_count", "_created"),
}
METRIC_CLASSES["Summary"] = ("_sum", "_count", "_created")
# Families a custom collector yields at scrape (the gateway's request figures, gateway/src/gateway/ops.py).
METRIC_CLASSES["CounterMetricFamily"] = METRIC_CLASSES["Counter"]
METRIC_CLASSES["HistogramMetricFamily"] = ("_bucket", "_sum", "_count")
PROMQL_WORDS = {
    "and",
    "or",
    "unless",
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "bool",
    "offset",
}


def defined_series() -> set[str]:
    """The series names the services' code exposes: each prometheus_client metric made with a literal name."""
    names: set[str] = set()
    for path in ROOT.glob("*/src/**/*.py"):
        names |= _series_in(path)
    for path in ROOT.glob("libs/*/src/**/*.py"):
        names |= _series_in(path)
    return names


def _series_in(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)):
            continue
        func = node.func
        kind = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        name = node.args[0].value
        if kind in METRIC_CLASSES and isinstance(name, str):
            base = name.removesuffix("_total") if kind.startswith("Counter") else name
            names |= {base, *(base + suffix for suffix in METRIC_CLASSES[kind])}
    return names


def metrics_named(expr: str) -> set[str]:
    """The metric names in a PromQL expression (label matchers, groupings, ranges and functions left out)."""
    expr = re.sub(r'"(?:\\.|[^"\\])*"', '""', expr)  # strings
    expr = re.sub(r"\{[^}]*\}", "", expr)  # label matchers
    expr = re.sub(r"\[[^\]]*\]", "", expr)  # ranges
    expr = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)
    names = set()
    for match in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", expr):
        rest = expr[match.end() :].lstrip()
        if rest.startswith("(") or match.group() in PROMQL_WORDS:
            continue  # a function or an operator
        if match.start() > 0 and (expr[match.start() - 1].isdigit() or expr[match.start() - 1] == "."):
            continue  # the exponent or unit of a number
        names.add(match.group())
    return names


def rules() -> list[dict[str, str]]:
    loaded = yaml.safe_load((OBSERVABILITY / "prometheus" / "rules.yml").read_text())
    return [rule for group in loaded["groups"] for rule in group["rules"]]


def dashboard_exprs() -> list[tuple[str, str]]:
    found = []
    for path in sorted((OBSERVABILITY / "grafana" / "dashboards").glob("*.json")):
        for panel in json.loads(path.read_text())["panels"]:
            found += [(f"{path.name}: {panel['title']}", t["expr"]) for t in panel["targets"]]
    return found


@pytest.mark.unit
class TestMetricNames:
    def test_every_metric_in_the_rules_and_dashboards_is_defined_by_the_code(self) -> None:
        known = defined_series() | {r["record"] for r in rules() if "record" in r}
        unknown = {
            (where, name)
            for where, expr in [(r.get("alert") or r["record"], r["expr"]) for r in rules()]
            + dashboard_exprs()
            for name in metrics_named(expr)
            if name not in known
        }
        assert not unknown, f"metrics no code defines: {sorted(unknown)}"

    def test_the_parser_finds_metrics_and_nothing_else(self) -> None:
        expr = (
            'histogram_quantile(0.95, sum by (job, le) (rate(http_request_duration_seconds_bucket{status=~"5.."}'
            "[5m]))) / on() group_left sum(vitrine:ratio) > 1e3 and absent(up)"
        )
        assert metrics_named(expr) == {"http_request_duration_seconds_bucket", "vitrine:ratio", "up"}

    def test_a_metric_missing_from_the_code_is_caught(self) -> None:
        assert "outbox_oldest_unsent_age_seconds" in defined_series()
        assert "outbox_oldest_unsent_age_second" not in defined_series()
        assert "billing_credits_spent_total" in defined_series()
        assert "catalog_sale_to_delist_start_seconds_bucket" in defined_series()

    def test_the_dashboards_are_grafana_dashboards_on_a_chosen_prometheus(self) -> None:
        for path in (OBSERVABILITY / "grafana" / "dashboards").glob("*.json"):
            dashboard = json.loads(path.read_text())
            assert dashboard["uid"] == path.stem
            assert dashboard["panels"]
            for panel in dashboard["panels"]:
                assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, panel["title"]
