"""tanh straight from its definition, (e^z - e^-z) / (e^z + e^-z): inf / inf = NaN once |z| > 89 in float32."""
from impl import *  # noqa: F401,F403

MUTATED = ["tanh"]
CAUGHT_BY = ["act.tanh.stability"]


def tanh(z):
    a, b = z.exp(), (-z).exp()
    return (a - b) / (a + b)
