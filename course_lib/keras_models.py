"""The Keras reference models and helpers that lessons 10 and 11 build.

`build_mnist_mlp`, `build_cifar10_cnn`, `compile_and_train`, `build_frozen_classifier`
and `count_trainable_params`. Keras is imported inside the functions: importing this
module never imports TensorFlow. The lessons reach it as `course_lib.training`.

Introduced in lesson 10.
"""


def build_mnist_mlp(input_shape=(28, 28)):
    """The MNIST MLP: Rescaling(1/255), Flatten, Dense 256 relu, Dropout 0.45, Dense 256 relu,
    Dropout 0.45, Dense 10 softmax. 269,322 parameters.

    Introduced in lesson 10.
    """
    import keras
    from keras import layers

    return keras.Sequential([
        keras.Input(shape=input_shape),
        layers.Rescaling(1 / 255),
        layers.Flatten(),
        layers.Dense(256, activation="relu"),
        layers.Dropout(0.45),
        layers.Dense(256, activation="relu"),
        layers.Dropout(0.45),
        layers.Dense(10, activation="softmax"),
    ], name="mnist_mlp")


def build_cifar10_cnn(input_shape=(32, 32, 3), num_classes=10):
    """The CIFAR-10 CNN of the source notes: three Conv(k=2, same, relu) + MaxPool(2) blocks
    with 16, 32, 64 filters, Dropout 0.3, Flatten, Dense 500 relu, Dense 10 softmax.
    528,054 parameters on 32x32x3 (208 + 2,080 + 8,256 + 512,500 + 5,010).

    Introduced in lesson 10.
    """
    import keras
    from keras import layers

    return keras.Sequential([
        keras.Input(shape=input_shape),
        layers.Rescaling(1 / 255),
        layers.Conv2D(16, 2, padding="same", activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(32, 2, padding="same", activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(64, 2, padding="same", activation="relu"),
        layers.MaxPooling2D(2),
        layers.Dropout(0.3),
        layers.Flatten(),
        layers.Dense(500, activation="relu"),
        layers.Dense(num_classes, activation="softmax"),
    ], name="cifar10_cnn")


def compile_and_train(model, x, y, epochs=10, batch_size=64, callbacks=None, verbose=0):
    """Compile `model` (Adam, sparse categorical cross-entropy, accuracy) and fit it with
    validation_split=0.2.

    Inputs:
    - model: a Keras model ending in a softmax over the classes
    - x: images, of shape (N, ...), uint8 or float
    - y: integer labels, of shape (N,)

    Returns the History of model.fit.

    Introduced in lesson 10.
    """
    import keras

    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model.fit(x, y, epochs=epochs, batch_size=batch_size, validation_split=0.2,
                     callbacks=callbacks or [], verbose=verbose)


def build_frozen_classifier(base, num_classes):
    """A classifier on a frozen convolutional base: base (trainable=False), then
    Flatten and Dense(num_classes, softmax).

    Inputs:
    - base: a Keras model from images to feature maps (N, H, W, C)
    - num_classes: number of classes of the new task

    Returns a keras.Model from the base's input to class probabilities.

    Introduced in lesson 11.
    """
    import keras
    from keras import layers

    base.trainable = False
    inputs = keras.Input(shape=base.input_shape[1:])
    features = base(inputs, training=False)
    flat = layers.Flatten()(features)
    outputs = layers.Dense(num_classes, activation="softmax")(flat)
    return keras.Model(inputs, outputs, name="frozen_classifier")


def count_trainable_params(model):
    """(trainable, non_trainable): the number of scalars in the model's trainable and
    non-trainable weights (a frozen layer's weights and BatchNormalization's moving
    statistics are non-trainable).

    Introduced in lesson 11.
    """
    import math

    trainable = sum(math.prod(weight.shape) for weight in model.trainable_weights)
    non_trainable = sum(math.prod(weight.shape) for weight in model.non_trainable_weights)
    return int(trainable), int(non_trainable)
