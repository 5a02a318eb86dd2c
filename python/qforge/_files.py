"""Writing model files: whole or not at all (a temporary beside the target, then renamed)."""
import os


def write_model(data, path):
    """Writes ``data`` to ``path`` (if given) and returns it."""
    if path is not None:
        path = os.fspath(path)
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    return data
