"""The case state machine as a Mermaid diagram, generated from the transitions in code."""

from __future__ import annotations

from collections import defaultdict

from django.utils import translation

from deadlines.models import Case, CaseState

HEADER = """# Case states

Generated from `deadlines.models.cases.Case` by `python manage.py case_diagram`; a test
fails when this file and the code disagree. Every arrow is a transition method on the
model; the service of the same purpose (`case_accept`, `case_transfer`, …) checks who
may take it, records a case event and adjusts the clocks.
"""


def case_state_diagram() -> str:
    field = Case._meta.get_field("state")
    arrows: dict[tuple[str, str], list[str]] = defaultdict(list)
    for transition in field.get_all_transitions(Case):
        arrows[(str(transition.source), str(transition.target))].append(transition.name)
    lines = [HEADER, "```mermaid", "stateDiagram-v2"]
    with translation.override("en"):
        lines += [f'    state "{state.label}" as {state.value}' for state in CaseState]
    lines.append(f"    [*] --> {CaseState.REGISTERED.value}: open")
    for (source, target), names in sorted(arrows.items()):
        lines.append(f"    {source} --> {target}: {', '.join(sorted(names))}")
    lines += ["```", "", "| state | 状态 |", "| --- | --- |"]
    with translation.override("zh-hans"):
        lines += [f"| `{state.value}` | {state.label} |" for state in CaseState]
    return "\n".join(lines) + "\n"
