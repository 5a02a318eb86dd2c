"""qforge.Interpreter: details, runs equal to the evaluator's, zero-copy views, several Python
threads, and every bad input answered with a qforge error (never a crash)."""
import os
import threading

import numpy as np
import pytest

import qforge


@pytest.fixture(scope="module")
def int8_model(trained, small, tmp_path_factory):
    model, _ = trained
    path = tmp_path_factory.mktemp("qfm") / "int8.qfm"
    qforge.quantization.quantize(model, calibration=small["x_train"], mode="int8", path=path)
    return path


def test_details_describe_the_tensors(int8_model, trained, small):
    it = qforge.Interpreter(int8_model, batch=3)
    (inp,), (out,) = it.inputs, it.outputs
    assert inp.dtype == np.float32 and inp.shape == (3, 28, 28, 1) and inp.index == 0
    assert out.shape == (3, 10)
    assert it.batch == 3 and it.arena_bytes > 0 and it.kernel_names and it.isa
    assert it.metadata["class_names"] == trained[0].class_names
    io = qforge.Interpreter(qforge.quantization.quantize(trained[0], calibration=small["x_train"], int8_io=True))
    assert io.inputs[0].dtype == np.int8 and len(io.inputs[0].scale) == 1 and len(io.inputs[0].zero_point) == 1
    assert "TensorDetails(name=" in repr(io.inputs[0])


def test_runs_agree_with_the_evaluator(int8_model, small):
    x, y = small["x_test"][:200], small["y_test"][:200]
    _, predictions = qforge.evaluate(int8_model, x, y)
    one = qforge.Interpreter(int8_model)
    singles = [int(one(one.preprocess(x[i:i + 1])).argmax()) for i in range(len(x))]
    assert singles == predictions.tolist()
    batched = qforge.Interpreter(str(int8_model), batch=200, threads=2)
    out = batched.run(batched.preprocess(x))
    assert out.flags.c_contiguous and out.flags.owndata
    np.testing.assert_array_equal(out.argmax(axis=1), predictions)
    by_name = batched.run({batched.inputs[0].name: batched.preprocess(x)})
    np.testing.assert_array_equal(by_name, out)


def test_views_read_and_write_the_interpreters_memory(int8_model, small):
    it = qforge.Interpreter(int8_model, batch=4)
    x = it.preprocess(small["x_test"][:4])
    expected = it(x)
    view = it.input_view(0)
    view[...] = x
    it.invoke()
    out = it.output_view(0)
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(it.output(0), expected)
    with pytest.raises(ValueError):
        out[0, 0] = 1  # read-only
    view[...] = 0
    it.invoke()
    assert not np.array_equal(out, expected)  # the same memory, rewritten by the run
    del it
    assert out.shape == (4, 10) and float(np.abs(out).sum()) >= 0  # views keep the interpreter alive


def test_python_threads_run_interpreters_in_parallel_correctly(int8_model, small):
    x = small["x_test"][:64]
    reference = qforge.Interpreter(int8_model, batch=64)
    expected = reference(reference.preprocess(x))
    results, errors = [None] * 4, []

    def work(k):
        try:
            it = qforge.Interpreter(int8_model, batch=64)
            inp = it.preprocess(x)
            for _ in range(20):
                results[k] = it(inp)
        except Exception as e:  # reported below
            errors.append(e)
    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for r in results:
        np.testing.assert_array_equal(r, expected)


def test_bad_inputs_are_value_errors_naming_what_was_expected(int8_model):
    it = qforge.Interpreter(int8_model)
    good = np.zeros((1, 28, 28, 1), np.float32)
    with pytest.raises(ValueError, match="expected dtype float32, got float64"):
        it(good.astype(np.float64))
    with pytest.raises(ValueError, match=r"got uint8 \(raw pixels\? interpreter.preprocess\(images\)"):
        it(good.astype(np.uint8))
    with pytest.raises(ValueError, match=r"expected shape \(1, 28, 28, 1\), got \(1, 28, 28\)"):
        it(good[..., 0])
    with pytest.raises(ValueError, match="not C-contiguous"):
        it(np.zeros((1, 28, 56, 1), np.float32)[:, :, ::2])
    with pytest.raises(ValueError, match="expected a NumPy array"):
        it(good.tolist())
    with pytest.raises(ValueError, match="1 input"):
        it(good, good)
    with pytest.raises(ValueError, match="no array for input"):
        it({"nope": good})
    with pytest.raises(qforge.NotFoundError, match="no input named"):
        it.set_input("nope", good)
    with pytest.raises(ValueError, match="out of range"):
        it.output_view(3)
    with pytest.raises(ValueError, match="out of range"):
        it.output(2**70)
    np.testing.assert_array_equal(it.output(np.int64(0)), it.output(0))
    with pytest.raises(ValueError):
        it.preprocess(np.zeros((2, 28, 28), np.uint8))  # batch 1
    with pytest.raises(ValueError):
        it.preprocess(np.zeros((1, 30, 30, 5), np.uint8))
    assert isinstance(it(good), np.ndarray)  # still usable after every error


def test_bad_models_and_options(int8_model, tmp_path):
    with pytest.raises(qforge.NotFoundError):
        qforge.Interpreter(tmp_path / "missing.qfm")
    damaged = bytearray(int8_model.read_bytes())
    damaged[len(damaged) // 2:] = b"\x00" * (len(damaged) - len(damaged) // 2)
    with pytest.raises(qforge.Error):
        qforge.Interpreter(bytes(damaged))
    with pytest.raises(qforge.Error):
        qforge.Interpreter(b"not a model")
    with pytest.raises(ValueError):
        qforge.Interpreter(42)
    with pytest.raises(ValueError, match="batch"):
        qforge.Interpreter(int8_model, batch=0)
    with pytest.raises(ValueError, match="batch"):
        qforge.Interpreter(int8_model, batch=2.0)
    with pytest.raises(ValueError, match="isa must be a string"):
        qforge.Interpreter(int8_model, isa=5)
    with pytest.raises(ValueError, match="threads"):
        qforge.Interpreter(int8_model, threads=0)
    with pytest.raises(ValueError, match="unknown ISA"):
        qforge.Interpreter(int8_model, isa="sse9")
    with pytest.raises(ValueError):
        qforge.evaluate(int8_model, np.zeros((3, 28, 28), np.uint8), np.zeros(2, np.int32))
    with pytest.raises(ValueError):
        qforge.evaluate(int8_model, np.zeros((3, 28, 28), np.uint8), np.array([0, 1, 70000]))
    assert os.path.exists(int8_model)
