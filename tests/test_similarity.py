"""The similarity report (autograder/similarity.py): disguised copies rank above independent
answers, the page escapes student code, and the report never touches a grade.

No notebook is graded here: answers are taken from the solutions, the release notebooks,
course_lib and tests/variants, and a grading run's output folder is faked on disk.
"""

import csv
import hashlib
import json
from itertools import combinations

import pytest

from autograder import similarity
from autograder.course import LESSONS, SOLUTIONS, notebook_name
from autograder.fingerprints import Answer, base_statements, compare, statements
from tests.similarity_disguises import DISGUISES
from tests.variants import variants_for


def cells(folder, lesson):
    return similarity.solution_cells(folder / lesson / notebook_name(lesson))


def independent_answers(lesson, exercise):
    """{name: source}: the alternative correct answers of tests/variants for one exercise.

    Alternatives made from the solution's own source (the solution plus globals named like
    builtins) are copies, not independent answers, and are left out; so are misconceptions.
    """
    solution = cells(SOLUTIONS, lesson)[exercise].strip()
    return {variant.name: variant.replace[exercise] for variant in variants_for(lesson)
            if not variant.must_lose and exercise in variant.replace
            and solution not in variant.replace[exercise]}


@pytest.mark.parametrize("lesson, exercise", sorted(DISGUISES))
def test_disguised_copies_rank_above_independent_answers(lesson, exercise):
    """Every disguised copy scores above every pair of independently written correct answers."""
    solution = cells(SOLUTIONS, lesson)[exercise]
    reference = similarity.reference_source(solution)
    alternatives = independent_answers(lesson, exercise)
    disguised = {name: source for name, _, source in DISGUISES[lesson, exercise]}
    pairs, answers = similarity.compare_exercise(
        exercise, {**alternatives, **disguised}, cells(LESSONS, lesson)[exercise],
        reference, solution)
    scores = {(pair.a, pair.b): pair.score for pair in pairs}
    models = [similarity.SOLUTION] + ([similarity.REFERENCE] if reference else [])
    independent = [scores.get(pair, 0.0) for pair in combinations(sorted(alternatives), 2)]
    independent += [scores.get((name, model), 0.0) for name in alternatives for model in models]
    if reference:
        independent.append(compare(answers[similarity.SOLUTION],
                                   answers[similarity.REFERENCE])[0])
    assert independent, f"{exercise}: no independent answers to compare with"
    for name, copied, _ in DISGUISES[lesson, exercise]:
        assert copied in models, f"{name} copies {copied}, which {exercise} lacks"
        score = scores.get((name, copied))
        assert score is not None, f"{name}: its pair with the {copied} was not found"
        assert score > max(independent), (
            f"{exercise}: {name} scores {score:.3f} with the {copied}, not above the "
            f"independent answers' {max(independent):.3f}")


def test_normalization_abstracts_names_literals_and_comments():
    """Renamed, re-commented, re-spaced code gives the same tokens; attributes stay."""
    first = statements('def f(x):\n    """Doc."""\n    out = np.maximum(x, 0)  # clip\n'
                       '    return out.sum(axis=-1)\n')
    second = statements("def g(values):\n\n    # relu\n    y = numpy.maximum( values , 3 )\n"
                        "    return y.sum(axis = -2)\n")
    texts = [[token.text for token in statement] for statement in first]
    assert texts == [[token.text for token in statement] for statement in second]
    assert texts[1] == ["V", "=", "V", ".", "maximum", "(", "V", ",", "N", ")"]
    assert "axis" in texts[2] and "sum" in texts[2]


def test_reordered_statements_and_base_code():
    """Reordering statements keeps the score at 1; code given to all counts for nothing."""
    base = "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n    return a, b\n"
    one = Answer("def f(x):\n    a = x.sum(axis=0) * 2\n    b = np.exp(x - x.max())\n"
                 "    return a, b\n", base_statements(base))
    other = Answer("def f(x):\n    q = np.exp(x - x.max())\n    p = x.sum(axis=0) * 2\n"
                   "    return p, q\n", base_statements(base))
    assert compare(one, other)[0] == 1.0
    blank = Answer(base, base_statements(base))
    assert blank.size == 0 and compare(one, blank)[0] == 0.0


def test_candidate_pairs_skip_common_fingerprints():
    """A fingerprint shared by more than max_share answers pairs no one."""
    common = "def f(x):\n    return np.concatenate([x, x[::-1], x * 2]).reshape(-1, 2)\n"
    answers = {f"s{i}": Answer(common + f"y{i} = {'+'.join(['z'] * (i + 1))}\n")
               for i in range(5)}
    assert similarity.candidate_pairs(answers, max_share=4) == {("s3", "s4")}
    assert len(similarity.candidate_pairs(answers, max_share=5)) == 10


def fake_output(tmp_path, lesson, sources):
    """A grading run's output folder holding autograded notebooks with these answers."""
    release = json.loads((LESSONS / lesson / notebook_name(lesson)).read_text(encoding="utf-8"))
    for student, replace in sources.items():
        notebook = json.loads(json.dumps(release))
        for cell in notebook["cells"]:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if grade_id in replace:
                cell["source"] = replace[grade_id]
        target = tmp_path / "autograded" / student / lesson / notebook_name(lesson)
        target.parent.mkdir(parents=True)
        target.write_text(json.dumps(notebook), encoding="utf-8")
    return tmp_path


HOSTILE = ('def relu_forward(x):\n    s = "</pre><script>alert(1)</script>"  # <b>bold</b>\n'
           '    out = np.maximum(x, 0)\n    return out, x\n')


def test_report_escapes_hostile_answers_and_reads_only(tmp_path):
    """The page escapes student code and has no script; grades and notebooks are untouched."""
    lesson = "01_dense_layers"
    solution = cells(SOLUTIONS, lesson)
    output = fake_output(tmp_path, lesson, {
        "mallory": {"relu_forward": HOSTILE, "dense_forward": solution["dense_forward"]},
        "alice": {"relu_forward": HOSTILE.replace("out", "y"),
                  "dense_forward": solution["dense_forward"]},
        "bob": {}})
    grades = output / "grades.csv"
    grades.write_text("student,lesson,score\nmallory,01_dense_layers,3\n", encoding="utf-8")
    before = {path: hashlib.sha256(path.read_bytes()).hexdigest()
              for path in output.rglob("*") if path.is_file()}

    assert similarity.main([str(output)]) == 0

    after = {path: hashlib.sha256(path.read_bytes()).hexdigest() for path in before}
    assert after == before  # not one byte of a grade or a notebook changed
    assert {path.name for path in (output / "similarity").iterdir()} == {
        f"{lesson}.csv", f"{lesson}.html"}
    page = (output / "similarity" / f"{lesson}.html").read_text(encoding="utf-8")
    assert "<script" not in page.lower() and "</pre><script>" not in page
    assert "&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page and "<mark>" in page
    assert "default-src 'none'" in page
    with open(output / "similarity" / f"{lesson}.csv", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    pair = {(row["exercise"], row["student_a"], row["student_b"]): float(row["score"])
            for row in rows}
    assert pair["relu_forward", "alice", "mallory"] == 1.0
    assert pair["dense_forward", "alice", "solution"] == 1.0
    assert not any("bob" in (row["student_a"], row["student_b"]) for row in rows)  # blank


def test_odd_notebooks_and_a_student_named_solution(tmp_path):
    """Malformed autograded notebooks are skipped; a student id "solution" stays a student."""
    lesson = "01_dense_layers"
    dense = cells(SOLUTIONS, lesson)["dense_forward"]
    output = fake_output(tmp_path, lesson, {"solution": {"dense_forward": dense},
                                            "carol": {"dense_forward": dense}})
    for student, text in (("dave", "{not json"), ("erin", '{"cells": [1, {"metadata": []}]}'),
                          ("frank", '{"cells": [{"cell_type": "code", "source": [1], '
                                    '"metadata": {"nbgrader": {"grade_id": "dense_forward", '
                                    '"solution": true}}}]}')):
        target = output / "autograded" / student / lesson / notebook_name(lesson)
        target.parent.mkdir(parents=True)
        target.write_text(text, encoding="utf-8")
    assert similarity.report(output) == [lesson]
    with open(output / "similarity" / f"{lesson}.csv", encoding="utf-8") as stream:
        rows = {(row["exercise"], row["student_a"], row["student_b"]): row["score"]
                for row in csv.DictReader(stream)}
    assert rows["dense_forward", "carol", "student:solution"] == "1.000"
    assert rows["dense_forward", "student:solution", "solution"] == "1.000"


def test_report_after_grading_never_raises(tmp_path, monkeypatch):
    """An error in the report becomes a line to print, never an exception."""
    output = fake_output(tmp_path, "01_dense_layers", {"alice": {}})

    def broken(*_):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(similarity, "report_lesson", broken)
    assert similarity.report_after_grading(output) == (
        "similarity report not written: RuntimeError: disk on fire")
    assert similarity.main([str(tmp_path / "nothing")]) == 2
