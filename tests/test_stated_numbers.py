"""Every number a lesson's prose states agrees with what its cells compute: formulas.

The lessons explain their results in markdown: "528,054 parameters", "the first step is about
3.2 η", "7·7·64·5 + 5 = 15,685". Each test here recomputes one group of those numbers the cheap
way (course_lib's NumPy functions and plain formulas, no Keras, no training) and checks that
the markdown cell of the instructor's notebook in solutions/ says that number. Change a network
or a formula and forget the sentence, and a test here fails. test_stated_results.py does the
same for numbers that come out of a run (gradient checks, small NumPy trainings).

Keras training results (lesson 10's short run) are not retrained: there the cell prints the
comparison and the prose states measured ranges.
"""

import math
import re

import numpy as np

from course_lib import optim, shapes
from course_lib.summary import cost_summary, summary, total_macs, total_params
from tests.lesson_text import cells, code, markdown, rubric, states

def total(layers_, input_shape):
    return total_params(summary(layers_, input_shape))


CIFAR_CNN = [
    ("Conv2D", {"filters": 16, "kernel_size": 2, "padding": "same"}), ("MaxPooling2D", {}),
    ("Conv2D", {"filters": 32, "kernel_size": 2, "padding": "same"}), ("MaxPooling2D", {}),
    ("Conv2D", {"filters": 64, "kernel_size": 2, "padding": "same"}), ("MaxPooling2D", {}),
    ("Flatten", {}), ("Dense", {"units": 500}), ("Dense", {"units": 10}),
]
# Lesson 10's digit CNN (section 5); Rescaling has no parameters.
DIGIT_CNN = [
    ("Conv2D", {"filters": 16, "kernel_size": 3, "padding": "same"}), ("MaxPooling2D", {}),
    ("Conv2D", {"filters": 32, "kernel_size": 3, "padding": "same"}), ("MaxPooling2D", {}),
    ("Flatten", {}), ("Dense", {"units": 32}), ("Dense", {"units": 10}),
]
# Lesson 04's small MNIST CNN with a global-average head (section 5).
SMALL_GAP_CNN = [
    ("Conv2D", {"filters": 16, "kernel_size": 3, "padding": "same"}), ("MaxPooling2D", {}),
    ("Conv2D", {"filters": 32, "kernel_size": 3, "padding": "same"}), ("MaxPooling2D", {}),
    ("Conv2D", {"filters": 64, "kernel_size": 3, "padding": "same"}),
    ("GlobalAveragePooling2D", {}), ("Dense", {"units": 10}),
]
LENET5 = [
    ("Conv2D", {"filters": 6, "kernel_size": 5}), ("AveragePooling2D", {}),
    ("Conv2D", {"filters": 16, "kernel_size": 5}), ("AveragePooling2D", {}),
    ("Conv2D", {"filters": 120, "kernel_size": 5}), ("Flatten", {}),
    ("Dense", {"units": 84}), ("Dense", {"units": 10}),
]
MNIST_MLP = [784, 256, 256, 10]


# ---------------------------------------------------------------- lesson 03

def test_03_keras_padding_modes():
    """'same' at stride 1: a window per input pixel, centred for odd F, starting in the padding."""
    text = markdown("03", "cell-005")
    assert "one window per input pixel" in text and "first window starts in the padding" in text
    for n in (5, 8, 28):
        for f in (1, 3, 5, 7):
            top, bottom = shapes.padding_amounts(n, f, 1, "same")
            assert shapes.conv_output_size(n, f, 1, "same") == n          # one window per pixel
            assert top == bottom == (f - 1) // 2                           # centred on it
            assert f == 1 or top > 0                                       # starts in the padding
    # the worked example: H = 8, F = 3, S = 2 -> 4 outputs, no zero on top, one at the bottom
    assert shapes.conv_output_size(8, 3, 2, "same") == 4
    assert shapes.padding_amounts(8, 3, 2, "same") == (0, 1)
    assert "P_{total} = 3 \\cdot 2 + 3 - 8 = 1" in text


def test_03_nanodegree_layers():
    """The two quiz layers: output shapes and parameters as the prose gives them."""
    text = markdown("03", "cell-013")
    assert shapes.conv_output_shape((200, 200, 1), 16, 2, 2, "valid") == (100, 100, 16)
    assert shapes.conv_output_shape((128, 128, 3), 32, 3, 2, "same") == (64, 64, 32)
    states(text, "**100 × 100 × 16**", "**64 × 64 × 32**")
    states(text, f"**{shapes.conv_params(16, 2, 1)}**", f"**{shapes.conv_params(32, 3, 3)}**")
    assert "Answer: 896, 32 and 64." in text
    assert "same notes" not in text


# ---------------------------------------------------------------- lesson 04

def test_04_conv_layer_cost_grows_with_the_image():
    """Conv2D(16, 3, same) on RGB: 448 parameters at 32² and 1000²; multiply-adds and output
    bytes grow 976.6 times (the cell's numbers, from layer_macs and the output shape)."""
    assert shapes.conv_params(16, 2, 1) == 80 and shapes.conv_params(32, 3, 3) == 896
    states(markdown("04", "cell-003"), "**80**", "**896**")
    text = markdown("04", "cost-grows-text")
    layer = ("Conv2D", {"filters": 16, "kernel_size": 3, "padding": "same"})
    costs = {}
    for side in (32, 1000):
        (row,) = cost_summary([layer], (side, side, 3))
        costs[side] = row
        states(text, f"**{row[3]:,}** multiply-adds" if side == 32 else f"**{row[3]:,}**",
               f"**{row[4]:,}**")
    assert costs[32][2] == costs[1000][2] == 448 and "**448** parameters on both" in text
    ratio = costs[1000][3] / costs[32][3]
    assert ratio == costs[1000][4] / costs[32][4] == (1000 / 32) ** 2
    states(text, f"both grow {ratio:.1f} times")
    assert 'Conv2D(16, 3, padding="same")' in markdown("04", "cost-grows-intro")


def test_04_cifar_cnn_summary():
    """The CIFAR CNN's table, its 528,054 parameters and where they sit (97%)."""
    rows = summary(CIFAR_CNN, (32, 32, 3))
    params = [count for _, _, count in rows]
    cnn_total = sum(params)
    table = markdown("04", "cell-012")
    states(table, *(f"**{count:,}**" for count in params if count), f"**{cnn_total:,}**")
    where = markdown("04", "cell-019")
    conv_sum = sum(count for (name, _, count) in rows if name == "Conv2D")
    states(where, conv_sum, params[7], f"{round(100 * params[7] / cnn_total)}%")
    recap = markdown("04", "cell-026")
    states(recap, cnn_total, f"{round(100 * params[7] / cnn_total)}%")


def test_04_mlp_versus_cnn():
    """269,322 / 200,960 / 855,050; 'about 11 times fewer'; lesson 10's CNN: 55,338, a fifth."""
    text = markdown("04", "cell-021")
    mlp = shapes.mlp_param_count(MNIST_MLP)
    states(text, mlp, shapes.dense_params(784, 256), shapes.mlp_param_count([3072, 256, 256, 10]))
    gap_cnn = total(SMALL_GAP_CNN, (28, 28, 1))
    assert f"about {round(mlp / gap_cnn)} times fewer" in text
    digit_cnn = total(DIGIT_CNN, (28, 28, 1))
    states(text, digit_cnn)
    assert round(mlp / digit_cnn) == 5 and "about a fifth" in text
    assert "Dense(32)" in text and "Lesson 10 trains both" not in text


def test_04_global_average_pooling_head():
    """Flatten head 517,510 against a GAP head of 650: 516,860 fewer, about 98%."""
    flatten_total = total(CIFAR_CNN, (32, 32, 3))
    gap_total = total(CIFAR_CNN[:6] + [("GlobalAveragePooling2D", {}), ("Dense", {"units": 10})],
                      (32, 32, 3))
    head = shapes.dense_params(1024, 500) + shapes.dense_params(500, 10)
    states(markdown("04", "cell-023"), head, shapes.dense_params(64, 10))
    fewer = flatten_total - gap_total
    states(markdown("04", "cell-025"), fewer, f"about {round(100 * fewer / flatten_total)}%")
    states(markdown("04", "cell-026"), fewer)


def test_04_multiply_adds_and_memory():
    """Section 9: the CIFAR CNN's multiply-adds and output bytes by hand, the shares of the conv
    and dense layers, and the comparison of the lesson's networks (MLP, small CNN, GAP head)."""
    rows = cost_summary(CIFAR_CNN, (32, 32, 3))
    table = markdown("04", "macs-table")
    states(table, *(f"**{row[3]:,}**" for row in rows if row[3]), f"**{total_macs(rows):,}**",
           f"**{sum(row[4] for row in rows):,}**", *(f"| {row[4]:,} |" for row in rows))
    conv_macs = sum(row[3] for row in rows if row[0] == "Conv2D")
    conv_params = sum(row[2] for row in rows if row[0] == "Conv2D")
    text = markdown("04", "macs-networks")
    states(text, f"hold {round(100 * conv_params / total_params(rows))}%",
           f"**{round(100 * conv_macs / total_macs(rows))}%**",
           f"holds {round(100 * rows[7][2] / total_params(rows))}% of the parameters and does "
           f"{round(100 * rows[7][3] / total_macs(rows))}% of the work")
    mlp = cost_summary([("Dense", {"units": 256}), ("Dense", {"units": 256}),
                        ("Dense", {"units": 10})], (784,))
    small = cost_summary(SMALL_GAP_CNN, (28, 28, 1))
    gap = cost_summary(CIFAR_CNN[:6] + [("GlobalAveragePooling2D", {}), ("Dense", {"units": 10})],
                       (32, 32, 3))
    lessons = markdown("04", "macs-lessons")
    states(lessons, f"{total_macs(mlp):,} multiply-adds for {total_params(mlp):,} parameters",
           f"the {total_params(mlp) - total_macs(mlp)} biases",
           f"{round(total_params(mlp) / total_params(small))} times",
           f"**{total_macs(small) / total_macs(mlp):.1f} times more**",
           f"({total_macs(small):,})",
           f"{round(100 * (1 - total_params(gap) / total_params(rows)))}% of the CIFAR",
           f"**{round(100 * (1 - total_macs(gap) / total_macs(rows)))}%**",
           f"({total_macs(rows):,} down to {total_macs(gap):,})")


def test_04_lenet5():
    """LeNet-5: the per-layer counts, the paper's 60,000 and the three terms of the 1,706."""
    rows = summary(LENET5, (32, 32, 1))
    keras_total = total_params(rows)
    per_layer = [count for _, _, count in rows if count]
    states(markdown("04", "cell-09ab4c23"), *per_layer)
    c3_paper = 6 * (3 * 25 + 1) + 9 * (4 * 25 + 1) + (6 * 25 + 1)
    pooling = 2 * 6 + 2 * 16
    paper_total = 156 + 12 + c3_paper + 32 + 48_120 + 10_164
    states(markdown("04", "cell-09ab4c23"), c3_paper, pooling - 32, 32)
    c3_extra, output = per_layer[1] - c3_paper, per_layer[-1]
    assert c3_extra + output - pooling == keras_total - paper_total
    text = markdown("04", "cell-64896e93")
    states(text, paper_total, keras_total, f"+{c3_extra}", f"+{output}", pooling,
           f"{c3_extra} + {output} − {pooling} = {keras_total - paper_total:,}")
    assert "almost all" not in text
    assert "kept fixed (at least initially)" in markdown("04", "cell-09ab4c23")


# ---------------------------------------------------------------- lesson 09

def test_09_learning_rate_is_eta_everywhere():
    """η is the learning rate in every lesson; ε is only the epsilon of Adam, RMSprop, BN."""
    for lesson in [f"{n:02d}" for n in range(12)]:
        for cell_id, (kind, text) in cells(lesson).items():
            if kind == "markdown":
                assert "\\varepsilon" not in text and "ε" not in text, f"lesson {lesson} {cell_id}"


def test_09_gradient_descent_on_the_parabola():
    """y = x² - x - 1 from x = -0.5 with η = 0.01: -0.48; overshoots past 0.5, diverges past 1."""
    x = -0.5
    gradient = 2 * x - 1
    assert gradient == -2.0 and round(x - 0.01 * gradient, 10) == -0.48
    text = markdown("09", "cell-003")
    states(text, "= -0.48", "x = 0.5", "-1.25")
    # x_next - 0.5 = (1 - 2η)(x - 0.5): a sign flip (overshoot) for η > 0.5, growth for η > 1
    for eta, overshoots, diverges in [(0.4, False, False), (0.6, True, False), (1.1, True, True)]:
        factor = 1 - 2 * eta
        assert (factor < 0) == overshoots and (abs(factor) > 1) == diverges
    later = next(text for kind, text in cells("09").values()
                 if kind == "markdown" and "overshoots the minimum" in text)
    assert "$\\eta > 0.5$" in later and "$\\eta = 1$" in later


def test_09_adam_forms_and_first_steps():
    """Keras' Adam is Algorithm 1 with ε̂ = ε√(1-β₂ᵗ); first steps: Adam ≈ η, RMSprop 3.2 η."""
    rng = np.random.default_rng(0)
    w, eta, beta_1, beta_2, epsilon = rng.normal(size=6), 0.01, 0.9, 0.999, 1e-7
    state, m, v, w_paper = {}, 0.0, 0.0, w.copy()
    w_keras = w.copy()
    for t in range(1, 6):
        g = rng.normal(size=6) * 1e-6
        w_keras = optim.adam_step(w_keras, g, state, eta, beta_1, beta_2, epsilon)
        m, v = beta_1 * m + (1 - beta_1) * g, beta_2 * v + (1 - beta_2) * g ** 2
        # Keras' epsilon is the paper's ε̂; Algorithm 1 matches it with ε = ε̂ / √(1 - β₂ᵗ)
        epsilon_algorithm_1 = epsilon / math.sqrt(1 - beta_2 ** t)
        w_paper = w_paper - eta * (m / (1 - beta_1 ** t)) / (
            np.sqrt(v / (1 - beta_2 ** t)) + epsilon_algorithm_1)
    np.testing.assert_allclose(w_keras, w_paper, rtol=1e-12, atol=1e-15)
    adam = markdown("09", "cell-015")
    states(adam, "Algorithm 1", "\\epsilon = 10^{-8}$", "Keras' $10^{-7}$",
           "\\hat\\epsilon = \\epsilon \\sqrt{1 - \\beta_2^t}")
    g = np.array([0.1, -5.0, 200.0])
    first_adam = optim.adam_step(np.zeros(3), g, {}, learning_rate=eta) / eta
    first_rmsprop = optim.rmsprop_step(np.zeros(3), g, {}, learning_rate=eta) / eta
    np.testing.assert_allclose(np.abs(first_adam), 1, rtol=1e-3)
    np.testing.assert_allclose(np.abs(first_rmsprop), 1 / math.sqrt(1 - 0.9), rtol=1e-3)
    rmsprop = markdown("09", "cell-13a604a4")
    states(rmsprop, f"\\approx {1 / math.sqrt(1 - 0.9):.1f}\\,\\eta", "optional `momentum`")


def test_09_initial_loss_and_bowl():
    """ln 10 = 2.303; plain SGD on the bowl (w₁, 25 w₂) diverges above 2/25 = 0.08."""
    text = next(text for kind, text in cells("09").values()
                if kind == "markdown" and "The initial loss" in text)
    states(text, f"**{math.log(10):.3f}**")
    bowl = next(text for kind, text in cells("09").values()
                if kind == "markdown" and "2/25" in text)
    assert f"2/25 = {2 / 25:g}" in bowl


# ---------------------------------------------------------------- lesson 10

def test_10_parameter_tables():
    """The MLP (269,322) and CIFAR CNN (528,054) tables; the digit CNN has a fifth of the MLP's."""
    mlp_table = markdown("10", "cell-007")
    states(mlp_table, shapes.mlp_param_count(MNIST_MLP), shapes.dense_params(784, 256),
           shapes.dense_params(256, 256), shapes.dense_params(256, 10))
    rows = summary(CIFAR_CNN, (32, 32, 3))
    states(markdown("10", "cell-020"), *(count for _, _, count in rows if count),
           f"**{total_params(rows):,}**")
    mlp, cnn = shapes.mlp_param_count(MNIST_MLP), total(DIGIT_CNN, (28, 28, 1))
    section = markdown("10", "cell-018")
    assert round(mlp / cnn) == 5 and "about a fifth" in section


def test_10_short_run_comparison_is_printed_not_claimed():
    """Section 5 no longer claims the CNN beats the MLP: the cell prints both accuracies."""
    section = markdown("10", "cell-018")
    assert "already beat the MLP" not in section
    cnn_epochs = re.search(r"device\.epochs\((\d+),", code("10", "cell-019")).group(1)
    mlp_epochs = re.search(r"device\.epochs\((\d+),", code("10", "cell-015")).group(1)
    states(section, f"the CNN trains {cnn_epochs} epochs, the MLP above {mlp_epochs}")
    source = code("10", "cell-019")
    assert "mlp.history" in source and "test_accuracy" in source and "cnn_accuracy" in source
    graded = markdown("10", "cell-016")
    assert "the solution" not in graded


# ---------------------------------------------------------------- lesson 11

def test_11_frozen_classifier_counts():
    """7·7·64·5 + 5 = 15,685 trainable, and the base's 23,424 non-trainable parameters."""
    base = [("Conv2D", {"filters": 16, "kernel_size": 3, "padding": "same"}), ("MaxPooling2D", {}),
            ("Conv2D", {"filters": 32, "kernel_size": 3, "padding": "same"}),
            ("BatchNormalization", {}), ("MaxPooling2D", {}),
            ("Conv2D", {"filters": 64, "kernel_size": 3, "padding": "same"})]
    rows = summary(base + [("Flatten", {}), ("Dense", {"units": 5})], (28, 28, 1))
    head, base_total = rows[-1][2], total_params(rows[:-2])
    assert head == 7 * 7 * 64 * 5 + 5
    text = next(text for kind, text in cells("11").values()
                if kind == "markdown" and "non-trainable parameters" in text)
    states(" ".join(text.split()), f"= {head:,} trainable and {base_total:,} non-trainable")

def test_written_questions_state_what_the_cells_compute():
    """The written questions' numbers: lesson 01's 32 -> 8 parameters, 0.28 points, conv3's
    18,496, half a point of 179."""
    from course_lib import digits

    cell = code("01", "cell-012")
    assert "size=(3, 5)" in cell and "size=(5, 2)" in cell and "w1 @ w2" in cell
    two, one = shapes.mlp_param_count([3, 5, 2]), shapes.mlp_param_count([3, 2])
    assert "3 → 5 → 2" in markdown("01", "question-linear-collapse")
    states(rubric("01", "written_linear_collapse"), f"= {two} parameters",
           f"3·2 + 2 = {one} (the cell prints {two} -> {one})")

    (_, labels), (_, val_labels) = digits.load_digits_split()
    states(rubric("07", "written_monitor_loss_or_accuracy"),
           f"{100 / len(val_labels):.2f} points of {len(val_labels)}")
    # lesson 10's offline MNIST is the same 1,438 / 359 split of scikit-learn's digits
    states(rubric("10", "written_fair_comparison"), f"{len(labels):,} images",
           f"{len(val_labels)} test images", f"one image is {100 / len(val_labels):.2f} points")
    states(rubric("11", "written_fine_tuning_small_data"), shapes.conv_params(64, 3, 32))
    one_image = 100 / 179   # the offline test set's digits 5-9 (lesson 11, cell-006)
    assert round(one_image, 1) == 0.6
    assert "about half a point" in rubric("11", "written_fine_tuning_small_data")


def test_no_words_about_how_the_course_was_written():
    """The prose speaks to the student, not about the author's notes or the solution's run."""
    for lesson, phrase in [("03", "same notes"), ("06", "solution's layers"),
                           ("10", "the solution reaches")]:
        for cell_id, (kind, text) in cells(lesson).items():
            if kind == "markdown" and "BEGIN SOLUTION" not in text:
                assert phrase not in " ".join(text.split()), f"lesson {lesson} {cell_id}"
    assert re.search(r"Quiz \(", markdown("03", "cell-013"))
