"""The course's objects crossing the boundary as plain data (autograder/inside/objects.py).

A Keras model, a History, a course_lib network and a random Generator are
described in plain data by one side and rebuilt by the other. The grader must
rebuild exactly what an honest notebook built, and nothing else: no class but
Keras' own listed ones, no module named by the notebook, no Lambda, nothing over
the limits, all refused before anything is built.
"""

import json

import numpy as np
import pytest

from autograder.inside import objects, wire


@pytest.fixture(scope="module")
def keras_models():
    import keras

    from course_lib import pretrained, training

    keras.utils.set_random_seed(0)
    mlp = training.build_mnist_mlp()
    base = pretrained.build_small_base()
    base.trainable = False
    return mlp, training.build_frozen_classifier(base, 5)


def roundtrip(description):
    """Through the wire as the kernel sends it, back as plain data."""
    def refuse(value):
        raise TypeError(type(value).__name__)

    encoded = json.loads(json.dumps({key: wire.encode(item, refuse)
                                     for key, item in description.items()}))
    return {key: wire.decode(item, None) if isinstance(item, dict) else item
            for key, item in encoded.items()}


def test_a_keras_model_is_rebuilt_with_its_weights_trainable_flags_and_training_state(
        keras_models):
    import keras

    mlp, classifier = keras_models
    copy = objects.build_model(roundtrip(objects.describe_model(mlp)))
    assert copy.count_params() == mlp.count_params() == 269_322
    assert [layer.__class__.__name__ for layer in copy.layers] == \
        [layer.__class__.__name__ for layer in mlp.layers]
    x = np.random.default_rng(1).integers(0, 255, (4, 28, 28)).astype("uint8")
    np.testing.assert_allclose(np.asarray(copy(x)), np.asarray(mlp(x)), rtol=1e-6)
    frozen = objects.build_model(roundtrip(objects.describe_model(classifier)))
    assert [layer.trainable for layer in frozen.layers] == \
        [layer.trainable for layer in classifier.layers]
    assert len(frozen.non_trainable_weights) == len(classifier.non_trainable_weights)
    mlp.compile(optimizer=keras.optimizers.Adam(2e-3), loss="sparse_categorical_crossentropy",
                metrics=["accuracy"])
    history = mlp.fit(x, np.arange(4), epochs=2, batch_size=2, verbose=0)
    rebuilt = objects.build_history(roundtrip(objects.describe_history(history)))
    assert rebuilt.history.keys() == history.history.keys()
    assert rebuilt.model.optimizer.__class__.__name__ == "Adam"
    assert abs(float(np.asarray(rebuilt.model.optimizer.learning_rate)) - 2e-3) < 1e-9
    assert int(np.asarray(rebuilt.model.optimizer.iterations)) == 4


@pytest.mark.parametrize("edit, reason", [
    (lambda layer: layer.update(module="os"), "Keras' own classes"),
    (lambda layer: layer.update(class_name="Lambda"), "layer types"),
    (lambda layer: layer.update(registered_name="Custom>Spy"), "custom"),
    (lambda layer: layer["config"].update(units=10**8), "none of the weights"),
])
def test_anything_but_keras_own_listed_classes_is_refused_before_building(
        keras_models, edit, reason):
    mlp, _ = keras_models
    description = objects.describe_model(mlp)
    architecture = json.loads(description["architecture"])
    edit(architecture["config"]["layers"][3])
    with pytest.raises(objects.ObjectError, match=reason):
        objects.build_model({**description, "architecture": json.dumps(architecture)})


def test_a_model_over_the_limits_is_refused_before_building(keras_models):
    mlp, _ = keras_models
    description = objects.describe_model(mlp)
    huge = [np.zeros((objects.MAX_PARAMETERS + 1,), dtype=np.float32)]
    with pytest.raises(objects.ObjectError, match="weights"):
        objects.build_model({**description, "weights": huge})
    layers = json.loads(description["architecture"])
    layers["config"]["layers"] *= objects.MAX_LAYERS
    with pytest.raises(objects.ObjectError, match="layers"):
        objects.build_model({**description, "architecture": json.dumps(layers)})


def test_a_course_network_and_a_generator_cross_as_data():
    from course_lib import network
    from course_lib.planted_bugs import DoublingLayer

    rng = np.random.default_rng(3)
    net = network.Sequential([network.Conv2D(1, 2, 3, rng), network.ReLU(), network.MaxPool2D(2),
                              network.Flatten(), network.Dropout(0.5, seed=4),
                              network.Dense(8, 3, rng), DoublingLayer()])
    copy = objects.build_network(roundtrip(objects.describe_network(net)))
    x = np.random.default_rng(5).normal(size=(2, 4, 4, 1))
    np.testing.assert_array_equal(copy.predict(x), net.predict(x))
    np.testing.assert_array_equal(copy.forward(x, training=True), net.forward(x, training=True))
    assert [type(layer).__name__ for layer in copy.layers] == \
        [type(layer).__name__ for layer in net.layers]
    generator = np.random.default_rng(7)
    generator.random(3)
    again = objects.build_generator(objects.describe_generator(generator))
    np.testing.assert_array_equal(again.random(5), generator.random(5))


def test_a_network_of_other_classes_or_attributes_is_refused():
    from course_lib import network

    class Spy(network.Layer):
        pass

    with pytest.raises(objects.ObjectError, match="course_lib layers"):
        objects.describe_network(network.Sequential([Spy()]))
    with pytest.raises(objects.ObjectError, match="course_lib layers"):
        objects.build_network({"layers": [{"class": "Spy", "keras_name": None,
                                           "attributes": {}}]})
    with pytest.raises(objects.ObjectError, match="plain names"):
        objects.build_network({"layers": [{"class": "ReLU", "keras_name": "Activation",
                                           "attributes": {"__class__": "x"}}]})
    with pytest.raises(objects.ObjectError, match="unknown kind"):
        objects.build_generator({"bit_generator": "os.system", "state": "{}"})


def test_a_compiled_model_keeps_its_loss_and_metrics_and_refuses_others():
    """compile's loss and metrics cross as configuration: names, Keras' own functions and
    listed classes with their settings (from_logits), never another module's object."""
    import keras

    from course_lib import training

    x = np.random.default_rng(2).integers(0, 255, (10, 28, 28)).astype("uint8")
    for loss, metrics, expected_loss, expected_metrics in [
            ("sparse_categorical_crossentropy", ["accuracy"],
             "sparse_categorical_crossentropy", ["accuracy"]),
            (keras.losses.SparseCategoricalCrossentropy(from_logits=True),
             [keras.metrics.SparseCategoricalAccuracy()], {"from_logits": True},
             ["SparseCategoricalAccuracy"]),
            (keras.losses.sparse_categorical_crossentropy, None,
             "sparse_categorical_crossentropy", None)]:
        model = training.build_mnist_mlp()
        model.compile(optimizer="adam", loss=loss, metrics=metrics)
        history = model.fit(x, np.arange(10), epochs=1, batch_size=5, verbose=0)
        config = objects.build_history(
            roundtrip(objects.describe_history(history))).model.get_compile_config()
        if isinstance(expected_loss, dict):
            assert config["loss"]["config"]["from_logits"] is True
        else:
            assert config["loss"] == expected_loss
        if expected_metrics and isinstance(config["metrics"][0], dict):
            assert [metric["class_name"] for metric in config["metrics"]] == expected_metrics
        else:
            assert config["metrics"] == expected_metrics
    description = objects.describe_model(model)
    for forged in ['{"module": "os", "class_name": "function", "config": "system"}',
                   '{"module": "keras.losses", "class_name": "Lambda", "config": {}}',
                   '{"module": "builtins", "class_name": "function", "config": {"x": 1}}']:
        with pytest.raises(objects.ObjectError, match="loss"):
            objects.build_model({**description,
                                 "compiled": {**description["compiled"], "loss": forged}})
    architecture = json.loads(description["architecture"])
    architecture["compile_config"] = {"loss": {"module": "os", "class_name": "system"}}
    rebuilt = objects.build_model({**description, "architecture": json.dumps(architecture)})
    assert rebuilt.get_compile_config()["loss"] == "sparse_categorical_crossentropy"
