"""The package and the command line do the same work: for the same seed and options, training,
quantization-aware training, post-training quantization, pruning, clustering and compression
give the same weights (predictions equal bit for bit) and the same .qfm bytes."""
import ctypes
import json

import numpy as np
import pytest

import qforge


def same_predictions(a, b, x):
    pa, pb = a.predict(x), b.predict(x)
    assert pa.dtype == np.float32 and pa.shape == (len(x), 10)
    np.testing.assert_array_equal(pa, pb)


def test_fit_trains_what_train_trains(small, cli, tmp_path):
    # Another library in the process (PyTorch does it on import) changes OpenMP's thread count;
    # the fit still trains with qforge's (all cores), as the command line does.
    ctypes.CDLL("libgomp.so.1").omp_set_num_threads(1)
    model = qforge.zoo.lenet5(seed=3)
    history = model.fit(small["x_train"], small["y_train"], epochs=1, seed=3, verbose=0,
                        validation_data=(small["x_test"], small["y_test"]))
    out = json.loads(cli("train", "--model", "lenet5", "--data", small["npz"], "--epochs", 1, "--seed", 3,
                         "--out", tmp_path / "cli.ckpt", "--json"))
    from_cli = qforge.load(tmp_path / "cli.ckpt")
    assert from_cli.preprocessing == model.preprocessing
    same_predictions(model, from_cli, small["x_test"])
    assert history.history["val_accuracy"][0] == pytest.approx(out["test_accuracy"], abs=1e-12)
    ev = json.loads(cli("eval", tmp_path / "cli.ckpt", "--data", small["npz"], "--json"))
    assert model.evaluate(small["x_test"], small["y_test"])["accuracy"] == pytest.approx(ev["models"][0]["accuracy"], abs=1e-12)


def test_qat_and_convert_write_what_the_cli_writes(trained, small, cli, tmp_path):
    _, ckpt = trained
    qat = qforge.quantization.quantize_model(qforge.load(ckpt), scheme="int8", quantizer="ema")
    qat.fit(small["x_train"], small["y_train"], epochs=1, optimizer=qforge.optimizers.Adam(lr=1e-4), verbose=0)
    ours = qforge.quantization.convert(qat, tmp_path / "py.qfm")
    cli("train", "--init", ckpt, "--qat", "--epochs", 1, "--lr", 1e-4, "--data", small["npz"],
        "--out", tmp_path / "cli.ckpt", "--json")
    assert ours == (tmp_path / "cli.qfm").read_bytes()
    assert (tmp_path / "py.qfm").read_bytes() == ours


@pytest.mark.parametrize("mode,method", [("int8", "percentile"), ("int8", "mse"), ("int16x8", "minmax"),
                                         ("float16", "minmax"), ("dynamic", "minmax")])
def test_quantize_writes_what_the_cli_writes(trained, small, cli, tmp_path, mode, method):
    _, ckpt = trained
    ours = qforge.quantization.quantize(qforge.load(ckpt), calibration=small["x_train"], mode=mode, method=method,
                                        samples=500, seed=2)
    cli("quantize", ckpt, "--mode", mode, "--calib-method", method, "--calib-samples", 500, "--seed", 2,
        "--data", small["npz"], "--out", tmp_path / "cli.qfm")
    assert ours == (tmp_path / "cli.qfm").read_bytes()


def test_prune_cluster_compress_match_the_cli(trained, small, cli, tmp_path):
    _, ckpt = trained
    x, y = small["x_train"], small["y_train"]
    pruned = qforge.sparsity.prune_low_magnitude(qforge.load(ckpt), target=0.75, pattern="2:4")
    pruned.fit(x, y, epochs=1, verbose=0)
    pruned.save(tmp_path / "py_pruned.ckpt")
    cli("train", "--init", ckpt, "--prune", 0.75, "--prune-pattern", "2:4", "--epochs", 1, "--data", small["npz"],
        "--out", tmp_path / "cli_pruned.ckpt", "--json")
    same_predictions(pruned, qforge.load(tmp_path / "cli_pruned.ckpt"), small["x_test"])
    assert pruned.weight_report()["sparsity"] > 0.45

    clustered = qforge.clustering.cluster_weights(pruned, clusters=8)
    clustered.fit(x, y, epochs=1, optimizer=qforge.optimizers.Adam(lr=1e-4), verbose=0)
    cli("train", "--init", tmp_path / "cli_pruned.ckpt", "--cluster", 8, "--epochs", 1, "--lr", 1e-4,
        "--data", small["npz"], "--out", tmp_path / "cli_clustered.ckpt", "--json")
    same_predictions(clustered, qforge.load(tmp_path / "cli_clustered.ckpt"), small["x_test"])
    report = clustered.weight_report()
    assert report["clusters"] and all(k <= 8 for k in report["clusters"].values())

    ours = qforge.quantization.quantize(clustered, calibration=x, mode="int8")
    coded, ratio = qforge.compress(ours, tmp_path / "py_coded.qfm")
    cli("quantize", tmp_path / "cli_clustered.ckpt", "--mode", "int8", "--data", small["npz"],
        "--out", tmp_path / "cli.qfm")
    cli("compress", tmp_path / "cli.qfm", "--out", tmp_path / "cli_coded.qfm")
    assert coded == (tmp_path / "cli_coded.qfm").read_bytes()
    assert ratio["model_bytes"] == len(coded) and ratio["input_bytes"] == len(ours)
