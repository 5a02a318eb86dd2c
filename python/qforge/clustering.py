"""Weight clustering (Deep Compression's trained weight sharing), in TFMOT's shape:

    clustered = qforge.clustering.cluster_weights(model, clusters=16)
    clustered.fit(x, y, epochs=1)   # centroids trained, assignments fixed
"""
import json

from . import _qforge
from ._checks import check_bool, check_choice, check_int
from .models import Model

INITS = ("linear", "random", "density", "kmeans++")


def cluster_weights(model, clusters=16, init="linear", per_channel=False, layers=None, skip=None, seed=1):
    """A copy of ``model`` whose conv/dense weights each take one of ``clusters`` shared values
    now (zeros of a pruned model kept), and whose next fits train the shared values."""
    if not isinstance(model, Model):
        raise _qforge.InvalidArgumentError(f"cluster_weights takes a qforge.Model, not {type(model).__name__}")
    layers = {} if layers is None else dict(layers)
    options = {"k": check_int("clusters", clusters, 2, 256), "init": check_choice("init", init, INITS),
               "per_channel": check_bool("per_channel", per_channel),
               "layers": {str(k): check_int(f"layers[{k!r}]", v, 2, 256) for k, v in layers.items()},
               "skip": [] if skip is None else [str(s) for s in skip], "seed": check_int("seed", seed, 0)}
    clustered = model.copy()
    clustered._core.set_clustering(json.dumps(options))
    return clustered
