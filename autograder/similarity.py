"""Similarity report of a grading run: `python -m autograder.similarity OUTPUT_DIR`.

For every lesson graded into OUTPUT_DIR (its `autograded/<student>/<lesson>/<lesson>.ipynb`),
each exercise's answer (the source of the notebook's nbgrader solution cell, by grade_id)
is compared with the course's reference (the `course_lib` function(s) the solution cell
defines), the instructor solution (the same cell of `solutions/<lesson>/<lesson>.ipynb`) and
every other student's answer, on normalized tokens (autograder/fingerprints.py). Writes
`similarity/<lesson>.csv` (every pair found, best first) and `similarity/<lesson>.html`
(the top pairs side by side, the shared code highlighted).

It reads and never writes a grade: it tells the instructor where to look. Students are
paired through an inverted index of winnowed fingerprints, not all pairs: a fingerprint
found in more than MAX_SHARE answers of an exercise is common code (MOSS's `-m`) and pairs
no one. Each pair found is then scored on all its k-grams.
"""

import ast
import csv
import functools
import importlib
import inspect
import json
import sys
from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

from autograder.course import COURSE_ROOT, LESSONS, SOLUTIONS, notebook_name
from autograder.fingerprints import Answer, base_statements, compare

MAX_SHARE = 20
REFERENCE, SOLUTION = "reference", "solution"
_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
_NOT_REFERENCES = ("checks", "widgets")  # course_lib's instant checks share the names


@dataclass
class Pair:
    """Two answers to one exercise, compared (b may be REFERENCE or SOLUTION).

    shared: the number of k-grams both have; covered_a, covered_b: how many tokens of
    each lie in one of them.
    """

    exercise: str
    a: str
    b: str
    score: float
    shared: int
    covered_a: int
    covered_b: int


def solution_cells(path):
    """{grade_id: source} of a notebook's code solution cells (solution markers dropped)."""
    notebook = json.loads(Path(path).read_text(encoding="utf-8"))
    cells = {}
    for cell in notebook.get("cells", []) if isinstance(notebook, dict) else []:
        metadata = cell.get("metadata") if isinstance(cell, dict) else None
        metadata = metadata.get("nbgrader") if isinstance(metadata, dict) else None
        if not isinstance(metadata, dict) or not isinstance(metadata.get("grade_id"), str):
            continue
        if cell.get("cell_type") == "code" and metadata.get("solution"):
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else str(source)
            cells.setdefault(metadata["grade_id"], "\n".join(
                line for line in source.split("\n") if line.strip() not in _MARKERS))
    return cells


def reference_source(solution):
    """The source of the course_lib functions a solution cell defines, or None.

    Functions are found by name among course_lib's modules (its instant checks and
    widgets excepted), imported and read with inspect.getsource.
    """
    try:
        names = [node.name for node in ast.parse(solution).body
                 if isinstance(node, ast.FunctionDef)]
    except SyntaxError:
        return None
    sources = [source for source in map(_library_function, names) if source]
    return "\n\n".join(sources) or None


@functools.lru_cache(maxsize=None)
def _library_function(name):
    for path in sorted((COURSE_ROOT / "course_lib").rglob("*.py")):
        relative = path.relative_to(COURSE_ROOT).with_suffix("")
        if any(part in _NOT_REFERENCES for part in relative.parts):
            continue
        text = path.read_text(encoding="utf-8")
        if f"def {name}(" not in text:
            continue
        if any(isinstance(node, ast.FunctionDef) and node.name == name
               for node in ast.parse(text).body):
            module = importlib.import_module(".".join(relative.parts))
            return inspect.getsource(getattr(module, name))
    return None


def student_answers(output, lesson):
    """{student: {grade_id: source}} from output/autograded/<student>/<lesson>/<lesson>.ipynb."""
    answers = {}
    for path in sorted(Path(output, "autograded").glob(f"*/{lesson}/{notebook_name(lesson)}")):
        try:
            student = path.parent.parent.name
            # a student id never has ":"; this keeps a student named "solution" apart
            student = f"student:{student}" if student in (REFERENCE, SOLUTION) else student
            answers[student] = solution_cells(path)
        except (OSError, ValueError, TypeError, RecursionError):
            continue  # not a readable notebook: nothing to compare
    return answers


def candidate_pairs(answers, max_share=MAX_SHARE):
    """Pairs of names (sorted) whose Answers share a fingerprint held by <= max_share answers."""
    index = defaultdict(list)
    for name, answer in answers.items():
        for value in answer.fingerprints:
            index[value].append(name)
    pairs = set()
    for names in index.values():
        if 2 <= len(names) <= max_share:
            pairs.update(combinations(sorted(names), 2))
    return pairs


def compare_exercise(exercise, sources, base="", reference=None, solution=None,
                     max_share=MAX_SHARE):
    """Every Pair found among `sources` ({student: source}) and with reference and solution.

    Returns (pairs best first, {name: Answer}); answers with nothing beyond the base code
    (blank) are left out.
    """
    base_set = base_statements(base) if base else frozenset()
    answers = {name: Answer(source, base_set) for name, source in sources.items()}
    answers = {name: answer for name, answer in answers.items() if answer.size}
    models = {label: Answer(source, base_set) for label, source in
              ((REFERENCE, reference), (SOLUTION, solution)) if source}
    pairs = []
    for a, b in sorted(candidate_pairs(answers, max_share)):
        pairs.append(_pair(exercise, a, b, answers[a], answers[b]))
    for name, answer in answers.items():
        for label, model in models.items():
            pairs.append(_pair(exercise, name, label, answer, model))
    pairs = [pair for pair in pairs if pair.score > 0]
    pairs.sort(key=lambda pair: (-pair.score, pair.a, pair.b))
    return pairs, {**answers, **models}


def _pair(exercise, a, b, answer_a, answer_b):
    score, shared, covered_a, covered_b = compare(answer_a, answer_b)
    return Pair(exercise, a, b, score, len(shared), covered_a.count(1), covered_b.count(1))


def report_lesson(output, lesson, top=10):
    """Write similarity/<lesson>.csv and .html for one lesson; returns their paths."""
    from autograder.similarity_html import write_html

    by_student = student_answers(output, lesson)
    solutions = solution_cells(SOLUTIONS / lesson / notebook_name(lesson))
    release_path = LESSONS / lesson / notebook_name(lesson)
    releases = solution_cells(release_path) if release_path.exists() else {}
    sections = []
    for exercise, solution in solutions.items():
        sources = {student: cells[exercise] for student, cells in by_student.items()
                   if exercise in cells}
        pairs, answers = compare_exercise(exercise, sources, releases.get(exercise, ""),
                                          reference_source(solution), solution)
        sections.append((exercise, pairs, answers))
    folder = Path(output) / "similarity"
    folder.mkdir(parents=True, exist_ok=True)
    csv_path, html_path = folder / f"{lesson}.csv", folder / f"{lesson}.html"
    write_csv(csv_path, [pair for _, pairs, _ in sections for pair in pairs], sections)
    write_html(html_path, lesson, sections, top)
    return csv_path, html_path


def write_csv(path, pairs, sections):
    """One row per pair: exercise, student_a, student_b, score, shared_kgrams, tokens..."""
    sizes = {(exercise, name): answer.size for exercise, _, answers in sections
             for name, answer in answers.items()}
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["exercise", "student_a", "student_b", "score", "shared_kgrams",
                         "tokens_a", "tokens_b", "shared_tokens_a", "shared_tokens_b"])
        for pair in pairs:
            writer.writerow([pair.exercise, pair.a, pair.b, f"{pair.score:.3f}", pair.shared,
                             sizes[pair.exercise, pair.a], sizes[pair.exercise, pair.b],
                             pair.covered_a, pair.covered_b])


def report(output, top=10):
    """Write the report of every lesson graded into `output`; returns the lessons done."""
    folder = Path(output) / "autograded"
    lessons = sorted({path.name for path in folder.glob("*/*") if path.is_dir()
                      and (SOLUTIONS / path.name / notebook_name(path.name)).exists()})
    for lesson in lessons:
        report_lesson(output, lesson, top)
    return lessons


def report_after_grading(output):
    """report(output) for the end of a grading run: a line to print; never raises."""
    try:
        lessons = report(output)
    except Exception as error:  # the report must never stop grading or touch a grade
        return f"similarity report not written: {type(error).__name__}: {error}"
    if not lessons:
        return "similarity report: no graded notebooks to compare"
    return f"similarity report ({len(lessons)} lessons) in {Path(output) / 'similarity'}"


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1 or argv[0].startswith("-"):
        print("usage: python -m autograder.similarity OUTPUT_DIR (the --output of a grading run)",
              file=sys.stderr)
        return 2
    output = Path(argv[0])
    if not (output / "autograded").is_dir():
        print(f"error: {output} has no autograded/ folder: expected the output folder of "
              "`python -m autograder.grade`", file=sys.stderr)
        return 2
    lessons = report(output)
    print(f"wrote {len(lessons)} lessons in {output / 'similarity'}: {', '.join(lessons)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
