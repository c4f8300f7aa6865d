"""Building the contract's models with chosen weights, the way the spec says:
parameters are set by attribute (Neuron.w/.b, Linear.w/.b, MLP.linears[i].w/.b)."""
import numpy as np
from aifund.remote import Remote, Tensor


def _tensor(t):
    return t if isinstance(t, Remote) else Tensor(t)


def neuron_with(impl, w, b, neuron=None):
    """impl.Neuron holding w and b; ``neuron``: an existing one to set them on instead of building another
    (a gradient check calls the model many times, and every construction draws and realizes random weights)."""
    n = impl.Neuron(w.shape[0]) if neuron is None else neuron
    n.w, n.b = _tensor(w), _tensor(b)
    return n


def linear_with(impl, w, b, layer=None):
    """impl.Linear holding w and b (``layer``: an existing one to set them on)."""
    layer = impl.Linear(w.shape[0], w.shape[1]) if layer is None else layer
    layer.w, layer.b = _tensor(w), _tensor(b)
    return layer


def mlp_with(impl, sizes, params, mlp=None):
    """impl.MLP(sizes) whose layers hold ``params`` = [w1, b1, w2, b2, ...] (arrays or Tensors);
    ``mlp``: an existing impl.MLP(sizes) to set them on."""
    mlp = impl.MLP(list(sizes)) if mlp is None else mlp
    for layer, w, b in zip(mlp.linears, params[0::2], params[1::2]):
        layer.w, layer.b = _tensor(w), _tensor(b)
    return mlp


def random_params(sizes, rng, dtype=np.float32, bias_scale=0.5):
    """Kaiming-scaled weights and non-zero biases, so every term of the formula matters."""
    params = []
    for n_in, n_out in zip(sizes, sizes[1:]):
        params.append((rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in)).astype(dtype))
        params.append((rng.standard_normal(n_out) * bias_scale).astype(dtype))
    return params


def away_from_kinks(x, params, rng, margin=1e-2):
    """Shift each layer's bias until no pre-activation is within ``margin`` of 0 (finite differences need it)."""
    a = x
    for i in range(0, len(params), 2):
        z = a @ params[i] + params[i + 1]
        while np.abs(z).min() < margin:
            params[i + 1] = params[i + 1] + rng.uniform(0.02, 0.05, params[i + 1].shape)
            z = a @ params[i] + params[i + 1]
        a = np.maximum(z, 0)
    return params
