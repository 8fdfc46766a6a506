"""course_lib.gradcheck against closed-form derivatives and the cs231n definition of
the relative error."""

import numpy as np
import pytest

from course_lib.gradcheck import numerical_gradient, relative_error


def test_scalar_function_gradient_matches_closed_form():
    """f(x) = sum(x^3) has gradient 3 x^2."""
    x = np.random.default_rng(0).standard_normal((3, 4))
    numerical = numerical_gradient(lambda v: np.sum(v**3), x)
    np.testing.assert_allclose(numerical, 3 * x**2, rtol=1e-8, atol=1e-9)
    assert numerical.shape == x.shape


def test_array_function_with_dout_gives_vector_jacobian_product():
    """For f(x) = sin(x) elementwise, the gradient of sum(f(x) * dout) is cos(x) * dout."""
    rng = np.random.default_rng(1)
    x, dout = rng.standard_normal(5), rng.standard_normal(5)
    numerical = numerical_gradient(np.sin, x, dout)
    np.testing.assert_allclose(numerical, np.cos(x) * dout, rtol=1e-8, atol=1e-10)


def test_array_function_without_dout_sums_the_outputs():
    """f(x) = A @ x: the gradient of sum(f(x)) is A.T @ ones."""
    rng = np.random.default_rng(2)
    a, x = rng.standard_normal((3, 4)), rng.standard_normal(4)
    np.testing.assert_allclose(numerical_gradient(lambda v: a @ v, x), a.sum(axis=0), rtol=1e-8)


def test_x_is_restored_even_when_f_returns_a_view():
    x = np.random.default_rng(3).standard_normal((2, 3))
    before = x.copy()
    numerical = numerical_gradient(lambda v: v, x, dout=np.ones_like(x))  # f returns x itself
    np.testing.assert_array_equal(x, before)
    np.testing.assert_allclose(numerical, np.ones_like(x), rtol=1e-8)


def test_step_size_h_is_used():
    """For f(x) = x^3 the centered difference is exactly 3x^2 + h^2."""
    x = np.array([2.0])
    np.testing.assert_allclose(numerical_gradient(lambda v: v**3, x, h=0.1), [12.0 + 0.01], rtol=1e-12)


def test_numerical_gradient_rejects_non_float_arrays():
    with pytest.raises(ValueError, match="numerical_gradient: x must be a float NumPy array"):
        numerical_gradient(np.sum, np.arange(3))


def test_relative_error_definition():
    """max over elements of |a - b| / max(1e-8, |a| + |b|)."""
    assert relative_error(np.array([1.0, 2.0]), np.array([1.1, 2.0])) == pytest.approx(0.1 / 2.1)
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(np.array([0.0]), np.array([1e-10])) == pytest.approx(1e-10 / 1e-8)
    assert relative_error(np.array([1.0, -1.0]), np.array([1.0, 1.0])) == pytest.approx(1.0)
    assert isinstance(relative_error(np.ones(2), np.ones(2)), float)


def test_relative_error_rejects_different_shapes():
    with pytest.raises(ValueError, match=r"relative_error: a and b must have the same shape"):
        relative_error(np.zeros(3), np.zeros(4))
