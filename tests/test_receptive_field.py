"""course_lib.receptive_field: the formula against gradients sent back through real
convolutions, and course_lib.feature_maps against a loop."""

import numpy as np
import pytest

from course_lib import feature_maps, receptive_field
from course_lib.layers import by_hand

STACKS = [
    ([3, 3, 3, 3], [1, 1, 1, 1]),
    ([3, 3, 3], [2, 1, 1]),
    ([3, 3, 3, 3], [1, 2, 1, 2]),
    ([5, 2, 5, 2, 5], [1, 2, 1, 2, 1]),
    ([7, 3, 3], [2, 2, 1]),
    ([1, 3], [3, 1]),
]


def test_stacked_3x3_stride_1_gives_2L_plus_1():
    """After L stacked 3x3 stride-1 convolutions the field is 2L + 1."""
    assert receptive_field.receptive_field_sizes([3] * 6, [1] * 6) == [1, 3, 5, 7, 9, 11, 13]


@pytest.mark.parametrize("kernel_sizes, strides", STACKS)
def test_formula_matches_the_gradient_of_one_output_pixel(kernel_sizes, strides):
    """r_L = r_{L-1} + (k_L - 1) * prod(strides before L), after every layer."""
    sizes = receptive_field.receptive_field_sizes(kernel_sizes, strides)
    for depth in range(1, len(kernel_sizes) + 1):
        measured = receptive_field.measured_receptive_field(kernel_sizes[:depth], strides[:depth])
        assert measured == (sizes[depth], sizes[depth])


def test_a_stride_2_layer_makes_the_field_grow_faster():
    """The same three 3x3 layers see 7 pixels with stride 1 and 11 with a stride-2 first layer."""
    assert receptive_field.receptive_field_sizes([3, 3, 3], [1, 1, 1])[-1] == 7
    assert receptive_field.receptive_field_sizes([3, 3, 3], [2, 1, 1])[-1] == 11


def test_input_gradient_is_zero_outside_the_field():
    """The field sits strictly inside the input: its border receives no gradient."""
    gradient = receptive_field.input_gradient([3, 3], [1, 1])
    assert gradient.shape == (9, 9)
    assert np.count_nonzero(gradient) == 25
    assert gradient[4, 4] == 9  # the centre is reached by 3 x 3 paths


def test_bad_stacks_raise_value_error():
    with pytest.raises(ValueError, match="one stride per kernel size"):
        receptive_field.receptive_field_sizes([3, 3], [1])
    with pytest.raises(ValueError, match=">= 1"):
        receptive_field.receptive_field_sizes([0], [1])


def test_filter_responses_match_correlate2d_single():
    """Each feature map is the valid cross-correlation of the image with one kernel."""
    rng = np.random.default_rng(0)
    image = rng.normal(size=(9, 11))
    kernels = [rng.normal(size=(3, 3)) for _ in range(3)]
    maps = feature_maps.filter_responses(image, kernels)
    assert maps.shape == (7, 9, 3)
    for k, kernel in enumerate(kernels):
        np.testing.assert_allclose(maps[:, :, k], by_hand.correlate2d_single(image, kernel))
    with pytest.raises(ValueError, match="grayscale"):
        feature_maps.filter_responses(image[None], kernels)
