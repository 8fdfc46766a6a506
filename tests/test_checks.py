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
    for part in ("✗ dense_forward", "x = array", "expected out:", "got out:", hint):
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


# Wrong answers of issue 11 that the instant checks must catch, with the hint that names them,
# and correct forms they must accept.

def _adam(paper=True, epsilon_inside=False):
    def step(w, dw, state, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        if not state:
            state.update(t=0, m=np.zeros_like(w), v=np.zeros_like(w))
        state["t"] += 1
        t = state["t"]
        state["m"] = beta_1 * state["m"] + (1 - beta_1) * dw
        state["v"] = beta_2 * state["v"] + (1 - beta_2) * dw * dw
        if not paper:
            alpha = learning_rate * np.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
            return w - alpha * state["m"] / (np.sqrt(state["v"]) + epsilon)
        m_hat, v_hat = state["m"] / (1 - beta_1 ** t), state["v"] / (1 - beta_2 ** t)
        root = np.sqrt(v_hat + epsilon) if epsilon_inside else np.sqrt(v_hat) + epsilon
        return w - learning_rate * m_hat / root
    return step


def test_adam_check_accepts_both_forms_and_names_epsilon_inside_the_root(capsys):
    assert checks.adam_step(_adam(paper=False)) is True
    assert checks.adam_step(_adam(paper=True)) is True
    capsys.readouterr()
    assert checks.adam_step(_adam(epsilon_inside=True)) is False
    assert "sqrt(v_hat) + epsilon" in capsys.readouterr().out


def test_sgd_check_catches_an_update_in_place(capsys):
    def in_place(w, dw, learning_rate=0.01, momentum=0.0, velocity=None):
        velocity = np.zeros_like(w) if velocity is None else velocity
        velocity = momentum * velocity - learning_rate * dw
        w += velocity
        return w, velocity

    assert checks.sgd_step(in_place) is False
    assert "in place" in capsys.readouterr().out


def test_max_pool_backward_check_catches_every_tied_max(capsys):
    def every_tied_max(dout, cache):
        x, pool, stride = cache
        dx = np.zeros(x.shape)
        for i in range(dout.shape[1]):
            for j in range(dout.shape[2]):
                rows, cols = slice(i * stride, i * stride + pool), slice(j * stride, j * stride + pool)
                window = x[:, rows, cols, :]
                mask = window == window.max(axis=(1, 2), keepdims=True)
                dx[:, rows, cols, :] += mask * dout[:, i: i + 1, j: j + 1, :]
        return dx

    assert checks.max_pool2d_backward(every_tied_max) is False
    assert "ONE of them" in capsys.readouterr().out


def test_conv_backward_check_catches_a_kernel_read_as_square(capsys):
    def square(dout, cache):
        x, w, b, stride, padding = cache
        if w.shape[0] != w.shape[1]:
            raise IndexError("index 2 is out of bounds")  # what a square-kernel loop does
        _, forward_cache = layers.conv2d_forward(x, w, b, stride, padding)
        return layers.conv2d_backward(dout, forward_cache)

    assert checks.conv2d_backward(square) is False
    assert "(KH, KW, C, K)" in capsys.readouterr().out


def test_upstream_replaced_swaps_the_learners_helper_and_restores_it():
    from course_lib import shapes
    from course_lib.testing import upstream_replaced, working_copy

    namespace = {}
    exec("def conv_output_size(n, f, stride=1, padding='valid'):\n    return -1\n"
         "def conv_output_shape(s, k, f):\n    return conv_output_size(s[0], f), k\n", namespace)
    learner_size = namespace["conv_output_size"]
    with upstream_replaced(namespace["conv_output_shape"],
                           conv_output_size=working_copy(shapes.conv_output_size)), \
            reference_disabled(shapes.conv_output_size):
        assert namespace["conv_output_shape"]((10, 10, 3), 4, 3) == (8, 4)
    assert namespace["conv_output_size"] is learner_size
    assert shapes.conv_output_size(10, 3) == 8
