"""Offline checks of the Prometheus Operator resources, which kubernetes-validate cannot check.

kubernetes-validate ships schemas for the built-in kinds only, so ServiceMonitor and
PrometheusRule are validated here against strict JSON schemas written from the CRD fields this
project uses (`schemas/`), and every rule's PromQL is parsed (promql-parser, Prometheus' own
grammar ported to Rust). Used by the tests and by `scripts/validate-deploy`::

    python -m tests.deploy.manifests k8s/servicemonitor.yaml k8s/prometheusrule.yaml
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import promql_parser
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "k8s"
SCHEMAS = Path(__file__).resolve().parent / "schemas"
CRD_KINDS = {"ServiceMonitor", "PrometheusRule"}


def manifest_files() -> list[Path]:
    """Every Kubernetes manifest in k8s/ (kustomizations and patches are not resources)."""
    return sorted(
        p
        for p in K8S.rglob("*.yaml")
        if p.name != "kustomization.yaml" and not p.name.endswith(".patch.yaml")
    )


def load(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def find(kind: str, name: str | None = None, path: Path | None = None) -> dict[str, Any]:
    """The one resource of `kind` (and `name`) in `path`, or in all of k8s/ outside examples/."""
    files = [path] if path else [p for p in manifest_files() if "examples" not in p.parts]
    found = [
        doc
        for p in files
        for doc in load(p)
        if doc["kind"] == kind and (name is None or doc["metadata"]["name"] == name)
    ]
    if len(found) != 1:
        raise LookupError(f"expected one {kind} {name or ''}, found {len(found)}")
    return found[0]


def _schema(kind: str) -> dict[str, Any]:
    text = (SCHEMAS / f"{kind.lower()}-monitoring-v1.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def rule_exprs(rule_resource: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(rule name, PromQL) for every recording rule and alert of a PrometheusRule."""
    for group in rule_resource["spec"]["groups"]:
        for rule in group["rules"]:
            yield rule.get("record") or rule.get("alert", "?"), str(rule["expr"])


def metric_names(expr: str) -> set[str]:
    """The metric names an expression selects (recording-rule names included)."""
    names: set[str] = set()

    def visit(node: Any) -> None:
        if isinstance(node, promql_parser.VectorSelector) and node.name:
            names.add(node.name)
        for attr in ("expr", "lhs", "rhs", "vector_selector", "param"):
            child = getattr(node, attr, None)
            if child is not None and not isinstance(child, str | int | float):
                visit(child)
        for child in getattr(node, "args", None) or []:
            visit(child)

    visit(promql_parser.parse(expr))
    return names


def crd_problems(resource: dict[str, Any]) -> list[str]:
    """Every schema violation and PromQL syntax error of one ServiceMonitor/PrometheusRule."""
    kind = resource.get("kind", "?")
    where = f"{kind}/{resource.get('metadata', {}).get('name', '?')}"
    validator = jsonschema.Draft202012Validator(_schema(kind))
    problems = [
        f"{where}: {'.'.join(map(str, e.path)) or '<root>'}: {e.message}"
        for e in validator.iter_errors(resource)
    ]
    if kind == "PrometheusRule" and not problems:
        for name, expr in rule_exprs(resource):
            try:
                promql_parser.parse(expr)
            except ValueError as exc:
                problems.append(f"{where}: rule {name}: PromQL: {exc}")
    return problems


def main(argv: list[str]) -> int:
    """Check the CRD resources in the given files; print problems; exit 1 when there are any."""
    problems: list[str] = []
    checked = 0
    for path in map(Path, argv):
        for resource in load(path):
            if resource.get("kind") in CRD_KINDS:
                checked += 1
                problems += [f"{path}: {p}" for p in crd_problems(resource)]
    for problem in problems:
        print(f"ERROR {problem}", file=sys.stderr)
    print(f"{checked} Prometheus Operator resources checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
