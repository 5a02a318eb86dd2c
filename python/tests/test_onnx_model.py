"""A user's own model from another framework: a small CNN exported by PyTorch to ONNX, loaded with
qforge.load, gives PyTorch's outputs; it then fine-tunes and quantizes like any model."""
import numpy as np
import pytest

import qforge

torch = pytest.importorskip("torch")


def test_pytorch_onnx_model_loads_trains_and_quantizes(small, tmp_path):
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(1, 6, 3, padding=1), torch.nn.BatchNorm2d(6), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(6, 8, 3, stride=2), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(8 * 6 * 6, 10)).eval()
    with torch.no_grad():  # BatchNorm statistics that are not the identity
        net[1].running_mean.uniform_(-0.2, 0.2)
        net[1].running_var.uniform_(0.5, 2.0)
    path = tmp_path / "net.onnx"
    torch.onnx.export(net, torch.zeros(1, 1, 28, 28), str(path), input_names=["x"], output_names=["logits"],
                      dynamic_axes={"x": {0: "n"}, "logits": {0: "n"}}, opset_version=13)

    model = qforge.load(path)
    assert model.input_shape == (1, 28, 28) and model.output_shape == (10,)
    x = np.random.default_rng(1).random((32, 1, 28, 28), dtype=np.float32)  # float values, taken as they are
    with torch.no_grad():
        expected = net(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(model.predict(x), expected, rtol=1e-4, atol=1e-5)

    model.fit(small["x_train"], small["y_train"], epochs=2, verbose=0)
    qfm = qforge.quantization.quantize(model, calibration=small["x_train"][:500], mode="int8")
    accuracy, _ = qforge.evaluate(qfm, small["x_test"][:500], small["y_test"][:500])
    assert accuracy > 0.6
