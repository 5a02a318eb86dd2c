"""Every entry point of the package refuses bad input with a qforge error naming the problem —
never a crash — and the model API does what it says (layers, save/load, copies, preprocessing)."""
import threading

import numpy as np
import pytest

import qforge
from qforge import layers as L


def test_zoo_and_load(tmp_path):
    assert "lenet5" in qforge.zoo.names() and qforge.zoo.lenet5().name == "lenet5"
    with pytest.raises(ValueError, match="unknown zoo model 'nope'"):
        qforge.zoo.build("nope")
    with pytest.raises(ValueError):
        qforge.zoo.lenet5(seed=-1)
    with pytest.raises(qforge.NotFoundError):
        qforge.load(tmp_path / "missing.ckpt")
    (tmp_path / "bad.ckpt").write_bytes(b"QFCKPT01" + b"\xff" * 40)
    with pytest.raises(qforge.Error):
        qforge.load(tmp_path / "bad.ckpt")
    with pytest.raises(ValueError):
        qforge.load(3)


def test_fit_refuses_bad_data(small):
    model = qforge.zoo.lenet5()
    x, y = small["x_train"][:64], small["y_train"][:64]
    cases = [
        (dict(x=x.tolist(), y=y), "expected a NumPy array"),
        (dict(x=x.astype(np.complex64), y=y), "dtype complex64 is not supported"),
        (dict(x=x[:, :, ::2], y=y), "not C-contiguous"),
        (dict(x=x, y=y[:10]), "10 labels"),
        (dict(x=x, y=y.astype(np.float32)), "labels must be integers"),
        (dict(x=x, y=-y - 1), "out of range"),
        (dict(x=x.astype(np.float32) * np.nan, y=y), "not finite"),
        (dict(x=np.ascontiguousarray(x[:, :20, :20]), y=y), "20"),
        (dict(x=x, y=None), "labelled"),
        (dict(x=x, y=y, epochs=0), "epochs"),
        (dict(x=x, y=y, batch_size=0), "batch_size"),
        (dict(x=x, y=y, optimizer="rmsprop"), "optimizer"),
        (dict(x=x, y=y, optimizer=qforge.optimizers.Adam(lr=-1.0)), "learning rate"),
        (dict(x=x, y=y, lr_schedule="linear"), "lr_schedule"),
        (dict(x=x, y=y, validation_data=(x,)), "validation_data"),
        (dict(x=x, y=y, layout="hwc"), "layout"),
        (dict(x=x, y=y, callback=3), "callback"),
        (dict(x=x, y=y, optimizer=qforge.optimizers.SGD(lr=float("nan"))), "finite"),
        (dict(x=x, y=y, batch_size=2**63), "batch_size"),
        (dict(x=x, y=y, seed=2**64 + 1), "seed"),
    ]
    for kwargs, message in cases:
        with pytest.raises(ValueError, match=message):
            model.fit(verbose=0, **kwargs)
    with pytest.raises(ValueError):
        model.evaluate(x, None)
    with pytest.raises(ValueError):
        model.predict(x, batch_size=0)
    model.fit(x, y, epochs=1, verbose=0)  # still usable


def test_one_call_at_a_time_per_model(small):
    model = qforge.zoo.mlp()
    x, y = small["x_train"][:512], small["y_train"][:512]

    def predict_inside(event, metrics):
        model.predict(x[:2])
    with pytest.raises(qforge.FailedPreconditionError, match="busy"):
        model.fit(x, y, epochs=1, verbose=0, callback=predict_inside)
    errors = []

    def fit_in_thread():
        try:
            model.fit(x, y, epochs=2, batch_size=16, verbose=0)
        except qforge.FailedPreconditionError as e:
            errors.append(e)
    threads = [threading.Thread(target=fit_in_thread) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(errors) <= 2  # at least one fit ran; the others were refused, never a crash
    assert model.predict(x[:2]).shape == (2, 10)


def test_threads_and_arguments_are_bounded():
    with pytest.raises(ValueError, match="n must be"):
        qforge.set_num_threads(100000)
    qforge.set_num_threads(0)
    assert qforge.num_threads() >= 1
    model = qforge.zoo.mlp()
    with pytest.raises(ValueError, match="list of strings"):
        model.class_names = "abc"
    with pytest.raises(ValueError, match="finite"):
        model.preprocessing = {"std": [float("nan")]}
    with pytest.raises(ValueError, match="unknown zoo model"):
        qforge.zoo.describe("nope")


def test_an_interrupted_first_fit_keeps_its_normalization(small):
    model = qforge.zoo.mlp()

    def stop(event, metrics):
        if event == "epoch":
            raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        model.fit(small["x_train"][:512], small["y_train"][:512], epochs=2, verbose=0, callback=stop)
    measured = model.preprocessing
    constant = np.full((64, 28, 28), 7, np.uint8)
    model.fit(constant, np.zeros(64, np.int32), epochs=1, verbose=0)
    assert model.preprocessing == measured  # not re-measured on the second fit's data


def test_callback_errors_and_stops_propagate(small):
    model = qforge.zoo.mlp()
    seen = []

    def callback(event, metrics):
        seen.append(event)
        if event == "epoch":
            raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        model.fit(small["x_train"][:512], small["y_train"][:512], epochs=3, callback=callback, verbose=0)
    assert seen.count("epoch") == 1 and "batch" in seen


def test_fit_history_and_progress(small, capsys):
    model = qforge.zoo.mlp()
    h = model.fit(small["x_train"][:1000], small["y_train"][:1000], epochs=2, batch_size=100,
                  validation_data=(small["x_test"][:200], small["y_test"][:200]))
    assert h.epoch == [1, 2] and len(h.history["val_accuracy"]) == 2 and h.history["images_per_second"][0] > 0
    assert "Epoch 2/2" in capsys.readouterr().out
    no_val = model.fit(small["x_train"][:1000], small["y_train"][:1000], epochs=1, verbose=0)
    assert no_val.history["val_accuracy"] == [None]
    nhwc = model.predict(small["x_test"][:5, :, :, None])
    np.testing.assert_array_equal(nhwc, model.predict(small["x_test"][:5]))


def test_preprocessing_and_copies(small, tmp_path):
    model = qforge.zoo.mlp()
    model.preprocessing = {"mean": [0.5], "std": [0.25]}
    model.fit(small["x_train"][:256], small["y_train"][:256], epochs=1, verbose=0)
    assert model.preprocessing["mean"] == [0.5]  # set by the user: not measured
    with pytest.raises(ValueError):
        model.preprocessing = {"std": [0.0]}
    with pytest.raises(ValueError):
        model.preprocessing = {"mean": [0.1, 0.2]}  # 1-channel model
    copy = model.copy()
    copy.fit(small["x_train"][:256], small["y_train"][:256], epochs=1, verbose=0)
    assert not np.array_equal(copy.predict(small["x_test"][:8]), model.predict(small["x_test"][:8]))
    with pytest.raises(ValueError, match=".ckpt"):
        model.save(tmp_path / "model.bin")
    model.save(tmp_path / "m.ckpt")
    np.testing.assert_array_equal(qforge.load(tmp_path / "m.ckpt").predict(small["x_test"][:8]),
                                  model.predict(small["x_test"][:8]))


def test_layers_build_trainable_models(small):
    seq = L.Sequential([L.Input((1, 28, 28)), L.Conv2D(4, 3, padding="same"), L.BatchNorm(), L.ReLU(),
                        L.MaxPool2D(2), L.Flatten(), L.Dropout(0.1), L.Dense(10)], name="seq")
    assert seq.input_shape == (1, 28, 28) and seq.output_shape == (10,)
    assert [op for _, op, _ in seq.layers][:2] == ["Conv2D", "BatchNorm"]
    x = L.Input((1, 28, 28))
    a = L.Conv2D(4, 3, padding="same")(x)
    b = L.DepthwiseConv2D(3, padding="same")(a)
    c = L.Concatenate()(L.HardSwish()(a), L.Sigmoid()(b))
    gate = L.Sigmoid()(L.Conv2D(8, 1)(c))
    y = L.Dense(10)(L.Flatten()(L.AvgPool2D(2)(L.Multiply()(c, gate))))
    func = L.Model(x, y, name="func")
    h = func.fit(small["x_train"][:256], small["y_train"][:256], epochs=1, verbose=0)
    assert np.isfinite(h.history["loss"][0])
    with pytest.raises(ValueError, match="wants|shape|channels|match"):
        L.Model(x, L.Add()(a, L.Conv2D(5, 3, padding="same")(x)), name="bad")
    with pytest.raises(ValueError):
        L.Conv2D(0, 3)
    with pytest.raises(ValueError):
        L.Conv2D(4, 3, padding="full")
    with pytest.raises(ValueError):
        L.Sequential([L.Conv2D(4, 3)], name="no input")
    with pytest.raises(ValueError):
        L.Model(x, y, name="")
    with pytest.raises(ValueError):
        L.Add()(a)


def test_quantization_sparsity_clustering_refuse_bad_options(trained, small):
    model, _ = trained
    q = qforge.quantization
    with pytest.raises(ValueError, match="scheme"):
        q.quantize_model(model, scheme="int4")
    with pytest.raises(ValueError, match="weight_bits"):
        q.quantize_model(model, scheme="nbit", weight_bits=1)
    with pytest.raises(ValueError, match="nbit takes 2..8"):
        q.quantize_model(model, scheme="nbit", weight_bits=12)
    with pytest.raises(ValueError, match="not a node"):
        q.quantize_model(model, annotate={"nope": {"keep_float": True}})
    with pytest.raises(ValueError, match="unknown key"):
        q.quantize_model(model, annotate={"conv1": {"bits": 4}})
    with pytest.raises(qforge.NotFoundError, match="unknown quantizer 'nope'"):
        q.quantize_model(model, annotate={"conv1": {"weights": {"type": "nope"}}})
    with pytest.raises(ValueError):
        q.quantize_model("model")
    with pytest.raises(ValueError, match="not quantization-aware"):
        q.convert(model)
    with pytest.raises(ValueError, match="calibration"):
        q.quantize(model, mode="int8")
    with pytest.raises(ValueError, match="mode"):
        q.quantize(model, calibration=small["x_train"][:10], mode="int4")
    with pytest.raises(ValueError, match="percentile"):
        q.quantize(model, calibration=small["x_train"][:10], method="percentile", percentile=20.0)
    with pytest.raises(ValueError):
        q.quantize(model, calibration=small["x_train"][:10, :5, :5])
    with pytest.raises(ValueError, match="sparsity"):
        qforge.sparsity.prune_low_magnitude(model, target=1.5)
    with pytest.raises(ValueError):
        qforge.sparsity.prune_low_magnitude(model, pattern="3:2")
    with pytest.raises(ValueError, match="no Conv2D or Dense node"):
        qforge.sparsity.prune_low_magnitude(model, layers={"nope": 0.5})
    with pytest.raises(ValueError, match="2..256"):
        qforge.clustering.cluster_weights(model, clusters=1)
    with pytest.raises(ValueError, match="2..256"):
        qforge.clustering.cluster_weights(model, clusters=2**32 + 4)  # never wrapped to 4
    with pytest.raises(ValueError, match="finite"):
        qforge.sparsity.prune_low_magnitude(model, target=float("nan"))
    with pytest.raises(ValueError, match="init"):
        qforge.clustering.cluster_weights(model, init="best")
    with pytest.raises(qforge.Error):
        qforge.compress(b"garbage")
    assert "ema" in q.quantizers() and "lsq" in q.quantizers()
