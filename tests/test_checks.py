"""The instant checks: pass, first failure with a hint, progress memory, stronger help."""

import json

import numpy as np
import pytest

from course_lib import checks, layers, progress
from course_lib.testing import reference_disabled


def correct_dense(x, w, b):
    return x @ w + b, (x, w, b)


def test_pass_says_graded_tests_try_more(capsys):
    """A pass is clear, and says plainly that it is no promise of full marks."""
    assert checks.dense_forward(correct_dense) is True
    out = capsys.readouterr().out
    assert out.startswith("✓ dense_forward")
    assert "not a promise of full marks" in out


@pytest.mark.parametrize("wrong, hint", [
    (lambda x, w, b: (x @ w, None), "without the bias"),
    (lambda x, w, b: (x @ w + b.sum(), None), "not its sum"),
])
def test_failure_shows_case_and_names_the_mistake(wrong, hint, capsys):
    """The first failing case shows input, expected, got, and the matching hint."""
    assert checks.dense_forward(wrong) is False
    out = capsys.readouterr().out
    for part in ("✗ dense_forward", "x = array", "expected:", "got:", hint):
        assert part in out


def test_unwritten_and_crashing_functions_never_raise(capsys):
    """A stub or a crash is reported, not raised."""
    def stub(x):
        raise NotImplementedError()

    assert checks.relu_forward(stub) is False
    assert "not written yet" in capsys.readouterr().out
    assert checks.softmax(lambda x: x[5, 5, 5]) is False
    assert "raised IndexError" in capsys.readouterr().out


def test_softmax_overflow_is_named(capsys):
    """The check recognises a softmax without the max shift."""
    def unstable(x):
        with np.errstate(over="ignore", invalid="ignore"):
            e = np.exp(x)
            return e / e.sum(axis=-1, keepdims=True)

    assert checks.softmax(unstable) is False
    assert "subtract each row's max" in capsys.readouterr().out


def test_progress_is_recorded_per_lesson(tmp_path):
    """Results are remembered in the progress file, under the check's lesson."""
    checks.mlp_param_count(lambda sizes: 0)
    checks.mlp_param_count(lambda sizes: sum(a * b + b for a, b in zip(sizes, sizes[1:])))
    data = json.loads((tmp_path / "progress.json").read_text())
    assert data["mlp_param_count"]["lesson"] == "01"
    assert data["mlp_param_count"]["passed"] is True
    assert data["mlp_param_count"]["attempts"] == 2
    assert progress.table() == [("01", "mlp_param_count", "passed", 2)]


def test_repeated_failures_get_stronger_help(capsys):
    """Second failure adds the formula; third points to the solution notebook."""
    wrong = lambda x, w, b: (x @ w, None)  # noqa: E731
    checks.dense_forward(wrong)
    first = capsys.readouterr().out
    checks.dense_forward(wrong)
    second = capsys.readouterr().out
    checks.dense_forward(wrong)
    third = capsys.readouterr().out
    assert "more help" not in first and "more help" in second
    assert "Still stuck" not in second
    assert "solutions/01_dense_layers/01_dense_layers.ipynb" in third


def test_progress_off_and_unwritable_never_fail(tmp_path, monkeypatch, capsys):
    """Recording is best effort: off, or an unwritable file, and the check still works."""
    monkeypatch.setenv("COURSE_PROGRESS", "off")
    assert checks.dense_forward(correct_dense) is True
    assert not (tmp_path / "progress.json").exists()
    monkeypatch.setenv("COURSE_PROGRESS", "on")
    monkeypatch.setenv("COURSE_PROGRESS_FILE", str(tmp_path / "a_file" / "x" / "progress.json"))
    (tmp_path / "a_file").write_text("not a folder")
    assert checks.dense_forward(correct_dense) is True
    progress.show()
    assert "No instant checks recorded" in capsys.readouterr().out


def test_reference_disabled_catches_aliases():
    """A reference imported under another name still raises inside the block, and comes back."""
    from course_lib.layers import dense_forward as alias

    x, w, b = np.ones((1, 2)), np.ones((2, 3)), np.zeros(3)
    with reference_disabled(layers.dense_forward):
        with pytest.raises(RuntimeError, match="write it yourself"):
            alias(x, w, b)
    np.testing.assert_allclose(alias(x, w, b)[0], [[2.0, 2.0, 2.0]])
