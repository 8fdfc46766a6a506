"""Submissions the tests autograde for each lesson, besides the solution and the blank release.

Each lesson has a module `lesson_NN.py` here with `VARIANTS`, a list of Variant:
a student notebook made from the release with every solution cell filled in
from the solution, then some cells replaced:

- a *misconception* (`must_lose` names the graded tests that must lose points):
  a plausible wrong answer, such as a forgotten bias;
- an *alternative* (`must_lose` empty): another correct way to write the
  exercise, which must keep full marks.
"""

import copy
import importlib
import json
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Variant:
    """A filled-in student notebook to autograde.

    - name: used as the student id, so letters, digits and underscores
    - replace: {grade_id of a solution cell: the new cell source}
    - must_lose: grade_ids of the test cells that must score below their maximum
    """

    name: str
    replace: dict
    must_lose: list = field(default_factory=list)


def variants_for(lesson):
    """The Variant list of a lesson id like '01_dense_layers' (empty if none)."""
    module_name = f"tests.variants.lesson_{lesson[:2]}"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name != module_name:
            raise
        return []
    return module.VARIANTS


def build_notebook(release_path, solution_path, replace, target):
    """Write the release notebook with its solution cells filled in and `replace` applied."""
    release = json.loads(Path(release_path).read_text(encoding="utf-8"))
    solution = json.loads(Path(solution_path).read_text(encoding="utf-8"))
    solved = {cell["metadata"]["nbgrader"]["grade_id"]: cell["source"]
              for cell in solution["cells"]
              if cell.get("metadata", {}).get("nbgrader", {}).get("solution")}
    unknown = set(replace) - set(solved)
    if unknown:
        raise KeyError(f"no solution cells named {sorted(unknown)}; have {sorted(solved)}")
    notebook = copy.deepcopy(release)
    for cell in notebook["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in replace:
            cell["source"] = replace[grade_id]
        elif grade_id in solved:
            cell["source"] = solved[grade_id]
    Path(target).write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    return Path(target)


def combine(*variants):
    """One notebook carrying several misconceptions, each in a different exercise.

    Autograding a notebook costs seconds (tens of seconds for the Keras
    lessons), so misconceptions of independent exercises share a notebook:
    each still has to lose the points of its own tests.
    """
    replace, must_lose = {}, []
    for variant in variants:
        overlap = set(replace) & set(variant.replace)
        if overlap:
            raise ValueError(f"combine: {variant.name} replaces {sorted(overlap)} again")
        replace.update(variant.replace)
        must_lose += [test for test in variant.must_lose if test not in must_lose]
    return Variant("__".join(variant.name for variant in variants), replace, must_lose)


BUILTIN_NAMES = ("type", "max", "sum", "all", "len", "input", "id", "str")


def shadow_builtins(source, names=BUILTIN_NAMES):
    """A solution cell's source followed by ordinary globals named like builtins.

    Students write `type = "relu"` or `sum = 0` at the top level of a cell; the
    graded tests must neither break on such globals nor count them as tampering.
    """
    values = {"type": '"relu"', "max": "3", "sum": "0", "all": "[1, 2, 3]", "len": "10",
              "input": "np.zeros(3)", "id": "7", "str": '"hello"', "min": "-1", "abs": "2.5",
              "any": "None", "round": "4"}
    lines = [f"{name} = {values[name]}" for name in names]
    return source.rstrip("\n") + "\n\n# ordinary globals that happen to be named like builtins\n" + \
        "\n".join(lines) + "\n"


def solution_source(lesson, grade_id):
    """The source of a solution cell of a lesson's instructor notebook."""
    from autograder.course import SOLUTIONS, notebook_name

    notebook = json.loads((SOLUTIONS / lesson / notebook_name(lesson)).read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            lines = "".join(cell["source"]).split("\n")
            return "\n".join(line for line in lines
                             if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))
    raise KeyError(f"{lesson}: no cell {grade_id}")
