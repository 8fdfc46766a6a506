"""Wrong and alternative answers for lesson 11 (transfer learning)."""

from tests.variants import Variant, shadow_builtins, combine

COUNT = "def count_trainable_params(model):\n    {body}\n"
FROZEN = "def build_frozen_classifier(base, num_classes):\n    {body}\n"
QUIZ = ("TRANSFER_QUIZ = {{'small_similar': '{a}', 'small_different': '{b}', "
        "'large_similar': '{c}', 'large_different': '{d}'}}\n")

SEPARATE = [
    # misconceptions
    Variant("count_all_trainable",
            {"count_trainable_params": COUNT.format(body="return model.count_params(), 0")},
            ["test_count_trainable_params"]),
    Variant("count_layers_not_params",
            {"count_trainable_params": COUNT.format(
                body="return len(model.trainable_weights), len(model.non_trainable_weights)")},
            ["test_count_trainable_params"]),
    Variant("frozen_forgot_to_freeze",
            {"build_frozen_classifier": FROZEN.format(body=(
                "inputs = keras.Input(shape=base.input_shape[1:])\n"
                "    x = layers.Flatten()(base(inputs))\n"
                "    return keras.Model(inputs, layers.Dense(num_classes, activation='softmax')(x))"))},
            ["test_build_frozen_classifier"]),
    Variant("frozen_pooling_head",
            {"build_frozen_classifier": FROZEN.format(body=(
                "base.trainable = False\n"
                "    return keras.Sequential([base, layers.GlobalAveragePooling2D(),\n"
                "                             layers.Dense(num_classes, activation='softmax')])"))},
            ["test_build_frozen_classifier"]),
    # right only on what the visible tests show (a Dense layer, BatchNormalization, 5 classes)
    Variant("count_moving_statistics_only",  # frozen layers' weights are not counted
            {"count_trainable_params": COUNT.format(body=(
                "trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)\n"
                "    non_trainable = sum(int(np.prod(w.shape)) for w in model.weights\n"
                "                        if 'moving' in w.name)\n"
                "    return trainable, non_trainable"))},
            ["test_count_trainable_params"]),
    Variant("frozen_five_classes",
            {"build_frozen_classifier": FROZEN.format(body=(
                "base.trainable = False\n"
                "    inputs = keras.Input(shape=base.input_shape[1:])\n"
                "    x = layers.Flatten()(base(inputs, training=False))\n"
                "    return keras.Model(inputs, layers.Dense(5, activation='softmax')(x))"))},
            ["test_build_frozen_classifier"]),
    # right on the counts, shapes and training the tests read before issue 22: only the
    # layers' configuration and the weights of the model tell
    Variant("frozen_no_softmax",
            {"build_frozen_classifier": FROZEN.format(body=(
                "base.trainable = False\n"
                "    inputs = keras.Input(shape=base.input_shape[1:])\n"
                "    x = layers.Flatten()(base(inputs, training=False))\n"
                "    return keras.Model(inputs, layers.Dense(num_classes)(x))"))},
            ["test_build_frozen_classifier"]),
    Variant("frozen_loads_its_own_base",  # the course's pretrained base, not the one given
            {"build_frozen_classifier": FROZEN.format(body=(
                "base = pretrained.load_small_base()\n"
                "    base.trainable = False\n"
                "    inputs = keras.Input(shape=base.input_shape[1:])\n"
                "    x = layers.Flatten()(base(inputs, training=False))\n"
                "    return keras.Model(inputs, layers.Dense(num_classes, activation='softmax')(x))"))},
            ["test_build_frozen_classifier"]),
    Variant("quiz_fine_tune_small_data",
            {"transfer_quiz": QUIZ.format(a="C", b="C", c="C", d="D")}, ["test_transfer_quiz"]),
    Variant("quiz_swapped_small_cases",
            {"transfer_quiz": QUIZ.format(a="B", b="A", c="C", d="D")}, ["test_transfer_quiz"]),
    # other correct answers
    Variant("alternative_sequential_and_loops", {
        "count_trainable_params": shadow_builtins(COUNT.format(body=(
            "trainable = non_trainable = 0\n"
            "    for layer in model.layers:\n"
            "        for weight in layer.trainable_weights:\n"
            "            trainable += weight.numpy().size\n"
            "        for weight in layer.non_trainable_weights:\n"
            "            non_trainable += weight.numpy().size\n"
            "    return trainable, non_trainable")), ('type', 'max', 'all', 'len', 'input', 'id', 'str')),
        "build_frozen_classifier": FROZEN.format(body=(
            "base.trainable = False\n"
            "    return keras.Sequential([base, layers.Flatten(),\n"
            "                             layers.Dense(num_classes, activation='softmax')])")),
        "transfer_quiz": QUIZ.format(a="a", b="B", c="C", d="C"),
    }),
]

# A Keras notebook takes tens of seconds to grade: misconceptions of independent
# exercises share a notebook (each must still lose its own tests' points).
BY_NAME = {variant.name: variant for variant in SEPARATE}
VARIANTS = [
    combine(BY_NAME["count_all_trainable"], BY_NAME["frozen_forgot_to_freeze"], BY_NAME["quiz_fine_tune_small_data"]),
    combine(BY_NAME["count_layers_not_params"], BY_NAME["frozen_pooling_head"], BY_NAME["quiz_swapped_small_cases"]),
    combine(BY_NAME["count_moving_statistics_only"], BY_NAME["frozen_five_classes"]),
    BY_NAME["frozen_no_softmax"],
    BY_NAME["frozen_loads_its_own_base"],
] + [variant for variant in SEPARATE if not variant.must_lose]
_COMBINED = {name for variant in VARIANTS for name in variant.name.split("__")}
assert _COMBINED >= {variant.name for variant in SEPARATE if variant.must_lose}
