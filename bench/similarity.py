"""How long the similarity report takes for a large class: a synthetic lesson of 1,000
submissions (500k pairs of students per exercise).

Not a test: run it on the machine you care about:

    .venv/bin/python bench/similarity.py [--students 1000] [--lesson 02_convolution_by_hand]

Each synthetic student answers every exercise of the lesson from one of its known answers
(the solution, the course_lib reference, the correct and wrong variants of tests/variants),
with every chosen name renamed at random, comments added and a few statements of their
own (random NumPy expressions). A few students copy another student's answer, renamed
and commented again. The script writes the class as a grading run's
output folder (autograded notebooks), times `python -m autograder.similarity` on it, and
prints the pairs scored against the 500k an all-pairs comparison would score, the time an
all-pairs comparison would take (from 2,000 pairs), and where the planted copies rank.
"""

import argparse
import io
import json
import random
import shutil
import sys
import tempfile
import time
import tokenize
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograder import similarity  # noqa: E402
from autograder.course import LESSONS, SOLUTIONS, notebook_name  # noqa: E402
from autograder.fingerprints import Answer, _normal, compare  # noqa: E402
from tests.variants import variants_for  # noqa: E402

WORDS = ("arr", "val", "tmp", "res", "acc", "data", "idx", "buf", "item", "cur", "lhs", "rhs",
         "my", "the", "new", "out", "sig", "ker", "img", "mat")


def renamed(source, rng):
    """`source` with every name its author chose (as the report abstracts them) renamed."""
    try:
        raw = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return source
    names, lines = {}, source.splitlines(keepends=True)
    for index in range(len(raw) - 1, -1, -1):
        token = raw[index]
        if token.type != tokenize.NAME or _normal(raw, index, 1 if _inside(raw, index) else 0) != "V":
            continue
        new = names.setdefault(token.string, f"{rng.choice(WORDS)}_{rng.randrange(10**4)}")
        row, column = token.start
        line = lines[row - 1]
        lines[row - 1] = line[:column] + new + line[token.end[1]:]
    return "".join(lines)


def _inside(raw, index):
    depth = 0
    for token in raw[:index]:
        if token.type == tokenize.OP and token.string in "([{":
            depth += 1
        elif token.type == tokenize.OP and token.string in ")]}":
            depth -= 1
        elif token.type == tokenize.NEWLINE:
            depth = 0
    return depth > 0


FUNCTIONS = ("sum", "abs", "sqrt", "exp", "maximum", "zeros_like", "ravel", "flip", "cumsum")
METHODS = ("sum", "mean", "max", "reshape", "copy", "ravel", "astype", "clip", "dot", "round")


def expression(rng, names, depth=3):
    """A random NumPy expression over `names`: what makes each student's code their own."""
    if depth == 0 or rng.random() < 0.25:
        return rng.choice(names) if rng.random() < 0.7 else str(rng.randrange(1, 9))
    kind = rng.randrange(4)
    inner = expression(rng, names, depth - 1)
    if kind == 0:
        return f"({inner} {rng.choice('+-*/')} {expression(rng, names, depth - 1)})"
    if kind == 1:
        return f"np.{rng.choice(FUNCTIONS)}({inner})"
    if kind == 2:
        return f"{rng.choice(names)}.{rng.choice(METHODS)}({inner})"
    return f"{rng.choice(names)}[{inner}:]"


def own_statements(rng):
    """Two to four statements of a student's own (checks, intermediate values)."""
    names = [f"{rng.choice(WORDS)}{rng.randrange(100)}" for _ in range(3)]
    lines = [f"{names[0]} = np.ones({rng.randrange(2, 9)})",
             f"{names[1]} = np.arange({rng.randrange(2, 9)})"]
    for _ in range(rng.randint(2, 4)):
        lines.append(f"{rng.choice(names)} = {expression(rng, names)}")
    return lines


def student_answer(source, rng, own=True):
    """A known answer, renamed, commented, with (when `own`) statements of the student's own."""
    lines = renamed(source, rng).split("\n")
    body = [i for i, line in enumerate(lines) if line.startswith("    ") and line.strip()]
    if body and own:  # inside the function, before its first statement
        at = body[0]
        lines[at:at] = ["    " + extra for extra in own_statements(rng)]
    comment = f"  # {rng.choice(WORDS)} step {rng.randrange(100)}"
    if lines:
        at = rng.randrange(len(lines))
        if lines[at].strip() and "#" not in lines[at]:
            lines[at] += comment
    return "\n".join(lines)


def synthetic_class(lesson, students, copies, rng):
    """({student: {exercise: source}}, [(copier, copied)])."""
    solution = similarity.solution_cells(SOLUTIONS / lesson / notebook_name(lesson))
    known = {exercise: [source] for exercise, source in solution.items()}
    for exercise, source in solution.items():
        reference = similarity.reference_source(source)
        known[exercise] += [reference] if reference else []
    for variant in variants_for(lesson):
        for exercise, source in variant.replace.items():
            known.setdefault(exercise, []).append(source)
    names = [f"student{i:04d}" for i in range(students)]
    answers = {name: {exercise: student_answer(rng.choice(sources), rng)
                      for exercise, sources in known.items() if exercise in solution}
               for name in names}
    chosen = rng.sample(names, 2 * copies)  # copiers and copied all different
    planted = []
    for copier, copied in zip(chosen[:copies], chosen[copies:]):
        answers[copier] = {exercise: student_answer(source, rng, own=False)
                           for exercise, source in answers[copied].items()}
        planted.append(tuple(sorted((copier, copied))))
    return answers, planted


def write_output(output, lesson, answers):
    release = json.loads((LESSONS / lesson / notebook_name(lesson)).read_text(encoding="utf-8"))
    for student, cells in answers.items():
        for cell in release["cells"]:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if grade_id in cells:
                cell["source"] = cells[grade_id]
        target = output / "autograded" / student / lesson / notebook_name(lesson)
        target.parent.mkdir(parents=True)
        target.write_text(json.dumps(release), encoding="utf-8")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--copies", type=int, default=10, help="students who copy another")
    parser.add_argument("--lesson", default="02_convolution_by_hand")
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args()
    rng = random.Random(arguments.seed)
    lesson = arguments.lesson
    answers, planted = synthetic_class(lesson, arguments.students, arguments.copies, rng)
    output = Path(tempfile.mkdtemp(prefix="similarity-bench-"))
    try:
        write_output(output, lesson, answers)
        started = time.perf_counter()
        similarity.report(output)
        seconds = time.perf_counter() - started
        with open(output / "similarity" / f"{lesson}.csv", encoding="utf-8") as stream:
            rows = [line.split(",") for line in stream.read().splitlines()[1:]]
    finally:
        shutil.rmtree(output, ignore_errors=True)
    all_pairs = arguments.students * (arguments.students - 1) // 2
    print(f"{lesson}: {arguments.students} students, {len(answers[next(iter(answers))])} "
          f"exercises, {all_pairs:,} pairs of students per exercise")
    print(f"report (read notebooks, index, score, write CSV and HTML): {seconds:.1f} s")
    for exercise in sorted({row[0] for row in rows}):
        between = [row for row in rows if row[0] == exercise
                   and row[2] not in (similarity.REFERENCE, similarity.SOLUTION)]
        ranked = [tuple(sorted(row[1:3])) for row in between]
        shown = sorted(ranked.index(pair) + 1 for pair in planted if pair in ranked)
        shown += ["not found"] * sum(pair not in ranked for pair in planted)
        print(f"  {exercise}: {len(between):,} pairs of students scored "
              f"({len(between) / all_pairs:.2%} of all); planted copies rank {shown}")
    sample = [tuple(rng.sample(list(answers), 2)) for _ in range(2000)]
    exercise = next(iter(answers[sample[0][0]]))
    prepared = {name: Answer(answers[name][exercise]) for pair in sample for name in pair}
    started = time.perf_counter()
    for a, b in sample:
        compare(prepared[a], prepared[b])
    per_pair = (time.perf_counter() - started) / len(sample)
    print(f"all pairs instead: {per_pair * 1e6:.0f} us a pair ({exercise}), so about "
          f"{per_pair * all_pairs:.0f} s per exercise for the scoring alone")


if __name__ == "__main__":
    main()
