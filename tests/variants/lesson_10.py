"""Wrong and alternative answers for lesson 10 (Keras: from MLP to CNN)."""

from tests.variants import Variant, shadow_builtins, combine

MLP = "def build_mnist_mlp():\n    return keras.Sequential([\n        keras.Input(shape=(28, 28)),\n{body}    ])\n"
CNN_HEAD = ("def build_cifar10_cnn():\n    return keras.Sequential([\n"
            "        keras.Input(shape=(32, 32, 3)),\n        layers.Rescaling(1 / 255),\n"
            "        layers.Conv2D(16, {k}, padding='same', activation='relu'),\n"
            "        layers.MaxPooling2D(2),\n"
            "        layers.Conv2D(32, {k}, padding='same', activation='relu'),\n"
            "        layers.MaxPooling2D(2),\n"
            "        layers.Conv2D(64, {k}, padding='same', activation='relu'),\n"
            "        layers.MaxPooling2D(2),\n{tail}    ])\n")
GOOD_TAIL = ("        layers.Dropout(0.3),\n        layers.Flatten(),\n"
             "        layers.Dense(500, activation='relu'),\n"
             "        layers.Dense(10, activation='softmax'),\n")
MLP_GOOD = ("        layers.Rescaling(1 / 255),\n        layers.Flatten(),\n"
            "        layers.Dense(256, activation='relu'),\n        layers.Dropout(0.45),\n"
            "        layers.Dense(256, activation='relu'),\n        layers.Dropout(0.45),\n"
            "        layers.Dense(10, activation='softmax'),\n")
TRAIN = "def compile_and_train(model, x, y, epochs=10, batch_size=64):\n    {body}\n"
COMPILE = ("model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),\n"
           "                  loss='sparse_categorical_crossentropy', metrics=['accuracy'])\n    ")

SEPARATE = [
    # misconceptions
    Variant("mlp_missing_dropout",
            {"build_mnist_mlp": MLP.format(body=MLP_GOOD.replace("        layers.Dropout(0.45),\n", ""))},
            ["test_build_mnist_mlp"]),
    Variant("mlp_wrong_units",
            {"build_mnist_mlp": MLP.format(body=MLP_GOOD.replace("Dense(256", "Dense(512"))},
            ["test_build_mnist_mlp"]),
    Variant("cnn_missing_dropout",
            {"build_cifar10_cnn": CNN_HEAD.format(
                k=2, tail=GOOD_TAIL.replace("        layers.Dropout(0.3),\n", ""))},
            ["test_build_cifar10_cnn"]),
    Variant("cnn_missing_flatten",
            {"build_cifar10_cnn": CNN_HEAD.format(
                k=2, tail=GOOD_TAIL.replace("        layers.Flatten(),\n", ""))},
            ["test_build_cifar10_cnn"]),
    Variant("cnn_kernel_3",
            {"build_cifar10_cnn": CNN_HEAD.format(k=3, tail=GOOD_TAIL)},
            ["test_build_cifar10_cnn"]),
    Variant("train_one_epoch",
            {"compile_and_train": TRAIN.format(
                body=COMPILE + "return model.fit(x, y, batch_size=batch_size, "
                               "validation_split=0.2, verbose=0)")},
            ["test_compile_and_train"]),
    Variant("train_not_at_all",
            {"compile_and_train": TRAIN.format(
                body=COMPILE + "return model.fit(x, y, epochs=epochs, batch_size=batch_size, "
                               "validation_split=0.2, verbose=0, steps_per_epoch=1)")},
            ["test_compile_and_train"]),
    # right only on the batch size the visible test uses (64): batch_size is not passed on
    Variant("train_fixed_batch_size",
            {"compile_and_train": TRAIN.format(
                body=COMPILE + "return model.fit(x, y, epochs=epochs, batch_size=64, "
                               "validation_split=0.2, verbose=0)")},
            ["test_compile_and_train"]),
    # right on every attribute the tests read before issue 22 (layer types, output shapes,
    # parameter counts, an all-zero batch): only each layer's configuration, the outputs on
    # random images or the compile configuration tell
    Variant("mlp_rescaling_255",  # multiplies by 255 where it should divide
            {"build_mnist_mlp": MLP.format(body=MLP_GOOD.replace("Rescaling(1 / 255)",
                                                                 "Rescaling(255)"))},
            ["test_build_mnist_mlp"]),
    Variant("cnn_dense_no_relu",
            {"build_cifar10_cnn": CNN_HEAD.format(
                k=2, tail=GOOD_TAIL.replace("Dense(500, activation='relu')", "Dense(500)"))},
            ["test_build_cifar10_cnn"]),
    Variant("cnn_pool_same_padding",  # 'same' everywhere: the same shapes on 32x32 images
            {"build_cifar10_cnn": CNN_HEAD.format(k=2, tail=GOOD_TAIL).replace(
                "layers.MaxPooling2D(2)", "layers.MaxPooling2D(2, padding='same')")},
            ["test_build_cifar10_cnn"]),
    Variant("train_no_metric",
            {"compile_and_train": TRAIN.format(body=(
                "model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),\n"
                "                  loss='sparse_categorical_crossentropy')\n"
                "    return model.fit(x, y, epochs=epochs, batch_size=batch_size, "
                "validation_split=0.2, verbose=0)"))},
            ["test_compile_and_train"]),
    Variant("train_from_logits",  # the model already ends in a softmax
            {"compile_and_train": TRAIN.format(body=(
                "model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),\n"
                "                  loss=keras.losses.SparseCategoricalCrossentropy("
                "from_logits=True),\n                  metrics=['accuracy'])\n"
                "    return model.fit(x, y, epochs=epochs, batch_size=batch_size, "
                "validation_split=0.2, verbose=0)"))},
            ["test_compile_and_train"]),
    # other correct answers: Keras objects instead of strings, other spellings of the arguments
    Variant("alternative_objects_and_spellings", {
        "build_mnist_mlp": MLP.format(body=MLP_GOOD.replace(
            "Rescaling(1 / 255)", "Rescaling(scale=1.0 / 255, offset=0.0)").replace(
            "Dense(256, activation='relu')", "Dense(units=256, activation=keras.activations.relu)")),
        "build_cifar10_cnn": CNN_HEAD.format(k="(2, 2)", tail=GOOD_TAIL).replace(
            "padding='same'", "padding='SAME', strides=1").replace(
            "layers.MaxPooling2D(2)", "layers.MaxPooling2D(pool_size=(2, 2), strides=2)"),
        "compile_and_train": TRAIN.format(body=(
            "model.compile(optimizer=keras.optimizers.Adam(0.001),\n"
            "                  loss=keras.losses.SparseCategoricalCrossentropy(),\n"
            "                  metrics=[keras.metrics.SparseCategoricalAccuracy()])\n"
            "    return model.fit(x, y, epochs=epochs, batch_size=batch_size, "
            "validation_split=0.2, verbose=0)")),
    }),
    # other correct answers: the functional API, and string shortcuts for compile
    Variant("alternative_functional", {
        "build_mnist_mlp": shadow_builtins((
            "def build_mnist_mlp():\n    inputs = keras.Input(shape=(28, 28))\n"
            "    x = layers.Flatten()(layers.Rescaling(1.0 / 255)(inputs))\n"
            "    for _ in range(2):\n"
            "        x = layers.Dropout(0.45)(layers.Dense(256, activation='relu')(x))\n"
            "    return keras.Model(inputs, layers.Dense(10, activation='softmax')(x))\n"), ('type', 'max', 'sum', 'all', 'len', 'input', 'id', 'str')),
        "build_cifar10_cnn": (
            "def build_cifar10_cnn():\n    inputs = keras.Input(shape=(32, 32, 3))\n"
            "    x = layers.Rescaling(1.0 / 255)(inputs)\n"
            "    for filters in (16, 32, 64):\n"
            "        x = layers.Conv2D(filters, (2, 2), padding='same', activation='relu')(x)\n"
            "        x = layers.MaxPooling2D(pool_size=(2, 2))(x)\n"
            "    x = layers.Flatten()(layers.Dropout(0.3)(x))\n"
            "    x = layers.Dense(500, activation='relu')(x)\n"
            "    return keras.Model(inputs, layers.Dense(10, activation='softmax')(x))\n"),
        "compile_and_train": TRAIN.format(body=(
            "model.compile(optimizer='adam', loss='sparse_categorical_crossentropy',\n"
            "                  metrics=['sparse_categorical_accuracy'])\n"
            "    history = model.fit(x=x, y=y, batch_size=batch_size, epochs=epochs,\n"
            "                        validation_split=0.2, verbose=0)\n"
            "    return history")),
    }),
]

# A Keras notebook takes tens of seconds to grade: misconceptions of independent
# exercises share a notebook (each must still lose its own tests' points).
BY_NAME = {variant.name: variant for variant in SEPARATE}
VARIANTS = [
    combine(BY_NAME["mlp_missing_dropout"], BY_NAME["cnn_missing_dropout"], BY_NAME["train_one_epoch"]),
    combine(BY_NAME["mlp_wrong_units"], BY_NAME["cnn_missing_flatten"], BY_NAME["train_not_at_all"]),
    combine(BY_NAME["cnn_kernel_3"], BY_NAME["train_fixed_batch_size"],
            BY_NAME["mlp_rescaling_255"]),
    combine(BY_NAME["cnn_dense_no_relu"], BY_NAME["train_no_metric"]),
    combine(BY_NAME["cnn_pool_same_padding"], BY_NAME["train_from_logits"]),
] + [variant for variant in SEPARATE if not variant.must_lose]
_COMBINED = {name for variant in VARIANTS for name in variant.name.split("__")}
assert _COMBINED >= {variant.name for variant in SEPARATE if variant.must_lose}
