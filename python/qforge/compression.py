"""qforge.compress: the last stage of Deep Compression — a .qfm model's weights entropy-coded."""
import json

from . import _qforge
from ._checks import check_bool
from ._files import write_model


def compress(model, path=None, sparse=True, huffman=True):
    """The coded .qfm bytes of a model (a .qfm path or bytes), written to ``path`` if given, and
    a report: {"input_bytes", "model_bytes", "compression_ratio" (float32 parameters / file),
    "coded_buffers", "bytes_by_part"}. The result is verified to decode to the same model."""
    data, report = _qforge.compress(model, check_bool("sparse", sparse), check_bool("huffman", huffman))
    write_model(data, path)
    return data, json.loads(report)
