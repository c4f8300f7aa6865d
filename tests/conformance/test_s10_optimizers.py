"""Section 10 of the guide: optimizers and learning-rate schedules (spec/s10_optimizers.toml)."""
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st
from tinygrad import Context, Tensor as TinyTensor, TinyJit

from aifund.kit import oracles, trajectory
from aifund.kit.check import require
from aifund.kit.strategies import expensive_examples, seeds

spec = pytest.mark.spec
STEPS = 100
param_shapes = st.sampled_from([((3,), (2, 2)), ((1,), (5, 3)), ((8,), (1, 4))])


def at_checkpoints(per_param_histories, n_steps):
    """Per-step float64 histories (one list per parameter) -> [[w0, w1] at each checkpoint step]."""
    steps = trajectory.checkpoint_steps(n_steps)
    return [[h[s - 1] for h in per_param_histories] for s in steps]


def problem(shapes, seed, steps=STEPS):
    """Initial values and a gradient sequence with changing scale and sign (some steps near zero)."""
    rng = np.random.default_rng(seed)
    w0s = [rng.standard_normal(s) for s in shapes]
    scales = np.exp(rng.uniform(np.log(1e-3), np.log(10), steps))
    grads = [[rng.standard_normal(s) * scales[t] for s in shapes] for t in range(steps)]
    return w0s, grads


@spec("optim.sgd.trajectory")
# Each example is 100 optimizer steps in the implementation (~0.5 s). SGD keeps no state, so what an example
# adds is an (lr, shapes) pair: the first 6 derandomised examples draw every lr and every pair of shapes;
# the 6 more of 12 bring five repeated pairs and one new one (lr = 0.01 on the third pair of shapes).
@settings(max_examples=expensive_examples(6))
@given(shapes=param_shapes, seed=seeds, lr=st.sampled_from([1e-3, 0.01, 0.5]))
def test_sgd_trajectory(impl, shapes, seed, lr):
    w0s, grads = problem(shapes, seed)
    got = trajectory.run(impl.SGD, {"lr": lr}, w0s, grads)
    call = f"impl.SGD([w0, w1], lr={lr})  # then .grad = g and .step(), {STEPS} times"
    expected = at_checkpoints([oracles.sgd_trajectory(w, [g[i] for g in grads], lr) for i, w in enumerate(w0s)], STEPS)
    trajectory.compare("SGD", got, expected, "w <- w - lr g in float64", w0s, call)
    trajectory.compare("SGD", got, trajectory.torch_run(lambda ps: torch.optim.SGD(ps, lr=lr), w0s, grads),
                       "torch.optim.SGD (float64)", w0s, call)


@spec("optim.sgd.zero_grad")
def test_sgd_zero_grad(impl):
    trajectory.zero_grad_clears(impl.SGD, {"lr": 0.1}, "SGD")


@spec("optim.momentum.trajectory")
# Each example is 100 optimizer steps (~0.7 s). The first 8 derandomised examples draw each beta (default,
# 0.5, 0.99) at least twice, both learning rates and all three pairs of shapes; the 4 more of 12 repeat
# (lr, beta) pairs already drawn.
@settings(max_examples=expensive_examples(8))
@given(shapes=param_shapes, seed=seeds, lr=st.sampled_from([1e-3, 0.1]), beta=st.sampled_from([None, 0.5, 0.99]))
def test_momentum_trajectory(impl, shapes, seed, lr, beta):
    w0s, grads = problem(shapes, seed)
    kwargs = {"lr": lr} | ({} if beta is None else {"beta": beta})
    b = 0.9 if beta is None else beta
    got = trajectory.run(impl.Momentum, kwargs, w0s, grads)
    call = f"impl.Momentum([w0, w1], {', '.join(f'{k}={v}' for k, v in kwargs.items())})  # then .step() {STEPS} times"
    expected = at_checkpoints([oracles.momentum_trajectory(w, [g[i] for g in grads], lr, b)
                               for i, w in enumerate(w0s)], STEPS)
    trajectory.compare("Momentum", got, expected, "v <- beta v + (1 - beta) g; w <- w - lr v in float64", w0s, call)
    torch_expected = trajectory.torch_run(lambda ps: torch.optim.SGD(ps, lr=lr, momentum=b, dampening=0.0),
                                          w0s, grads, grad_scale=1 - b)
    trajectory.compare("Momentum", got, torch_expected, "torch.optim.SGD(momentum=beta) fed (1 - beta) g (float64)",
                       w0s, call)


@spec("optim.momentum.zero_grad")
def test_momentum_zero_grad(impl):
    trajectory.zero_grad_clears(impl.Momentum, {"lr": 0.1}, "Momentum")


@spec("optim.adam.trajectory")
# Each example is 100 optimizer steps (~1.5 s; the suite's costliest test). The first 8 derandomised
# examples draw both values of each of lr, b1, b2 and eps (eps = 1e-3, where the place of eps shows, three
# times; b1 != b2 in seven) and all three pairs of shapes; the 4 more of 12 are two repeated
# (lr, b1, b2, eps) combinations and two new ones.
@settings(max_examples=expensive_examples(8))
@given(shapes=param_shapes, seed=seeds, lr=st.sampled_from([1e-3, 0.05]), b1=st.sampled_from([0.9, 0.5]),
       b2=st.sampled_from([0.999, 0.9]), eps=st.sampled_from([1e-8, 1e-3]))
def test_adam_trajectory(impl, shapes, seed, lr, b1, b2, eps):
    w0s, grads = problem(shapes, seed)
    kwargs = {"lr": lr, "b1": b1, "b2": b2, "eps": eps}
    got = trajectory.run(impl.Adam, kwargs, w0s, grads)
    call = f"impl.Adam([w0, w1], lr={lr}, b1={b1}, b2={b2}, eps={eps})  # then .step() {STEPS} times"
    expected = at_checkpoints([oracles.adam_trajectory(w, [g[i] for g in grads], **kwargs)
                               for i, w in enumerate(w0s)], STEPS)
    trajectory.compare("Adam", got, expected, "the guide's section 10 Adam in float64", w0s, call)
    torch_expected = trajectory.torch_run(lambda ps: torch.optim.Adam(ps, lr=lr, betas=(b1, b2), eps=eps), w0s, grads)
    trajectory.compare("Adam", got, torch_expected, "torch.optim.Adam (float64)", w0s, call)


@spec("optim.adam.zero_grad")
def test_adam_zero_grad(impl):
    trajectory.zero_grad_clears(impl.Adam, {"lr": 0.1}, "Adam")


@spec("optim.adam.defaults")
def test_adam_defaults(impl):
    g = np.array([1e-6, -2.0, 300.0, 1e-7])
    w0 = np.zeros(4)
    got = trajectory.run(impl.Adam, {}, [w0], [[g]])[0][0]
    expected = -1e-3 * g / (np.abs(g) + 1e-8)
    require(np.allclose(got, expected, rtol=1e-9, atol=0),
            f"Adam(params) first step gave {got}, expected -1e-3 g / (|g| + 1e-8) = {expected} "
            "(defaults lr=1e-3, b1=0.9, b2=0.999, eps=1e-8, with bias correction)")


@spec("optim.adam.matches_tinygrad")
@settings(max_examples=2)  # each example is 100 steps of two optimizers; the shapes repeat anyway
@given(shapes=param_shapes, seed=seeds)
def test_adam_matches_tinygrad(impl, shapes, seed):
    from tinygrad.nn.optim import Adam as TinyAdam
    w0s, grads = problem(shapes, seed)
    ours = trajectory.run(impl.Adam, {"lr": 1e-2}, w0s, grads, dtype=np.float32)
    params = [TinyTensor(w.astype(np.float32)) for w in w0s]   # tinygrad's own Adam, here in the kit's process
    opt = TinyAdam(params, lr=1e-2)

    @TinyJit   # replays the kernels of the first steps (bit for bit what unjitted steps give), 3x faster
    def tiny_step(*step_grads):
        for p, g in zip(params, step_grads):
            p.grad = g
        opt.step()

    inputs = [[TinyTensor(g.astype(np.float32)) for g in step_grads] for step_grads in grads]
    TinyTensor.realize(*[g for step_grads in inputs for g in step_grads])   # one schedule, not one per step
    theirs = []
    with Context(TRAINING=1):
        for t, step_grads in enumerate(inputs):
            tiny_step(*step_grads)
            if t + 1 in trajectory.CHECKPOINTS or t + 1 == len(grads):
                theirs.append([p.numpy() for p in params])
    torch_ref = trajectory.torch_run(lambda ps: torch.optim.Adam(ps, lr=1e-2), w0s, grads)
    for step, o, th, tr in zip(trajectory.checkpoint_steps(len(grads)), ours, theirs, torch_ref):
        for i in range(len(w0s)):
            travelled = np.abs(tr[i] - w0s[i]) + 1e-2
            diff = np.abs(o[i] - th[i])
            require(bool((diff <= 1e-5 * (travelled + np.abs(w0s[i]))).all()),
                    f"Adam and tinygrad.nn.optim.Adam differ by {diff.max():.3g} on parameter {i} after step {step}; "
                    f"float32 rounding of the bias correction explains at most 1e-5 of the distance travelled")


@spec("optim.adam.matches_torch")
@settings(max_examples=2)  # each example is 100 steps of two optimizers; the shapes repeat anyway
@given(shapes=param_shapes, seed=seeds)
def test_adam_matches_torch(impl, shapes, seed):
    w0s, grads = problem(shapes, seed)
    ours = trajectory.run(impl.Adam, {"lr": 1e-2}, w0s, grads, dtype=np.float32)
    params = [torch.tensor(w.astype(np.float32), requires_grad=True) for w in w0s]   # in the kit's process
    opt = torch.optim.Adam(params, lr=1e-2)
    theirs = []
    for t, step_grads in enumerate(grads):
        for p, g in zip(params, step_grads):
            p.grad = torch.tensor(g.astype(np.float32))
        opt.step()
        if t + 1 in trajectory.CHECKPOINTS or t + 1 == len(grads):
            theirs.append([p.detach().numpy().copy() for p in params])
    for step, o, th in zip(trajectory.checkpoint_steps(len(grads)), ours, theirs):
        for i in range(len(w0s)):
            travelled = np.abs(th[i] - w0s[i]) + 1e-2
            diff = np.abs(o[i] - th[i])
            require(bool((diff <= 1e-5 * (travelled + np.abs(w0s[i]))).all()),
                    f"Adam and torch.optim.Adam differ by {diff.max():.3g} on parameter {i} after step {step}; "
                    f"float32 rounding explains at most 1e-5 of the distance travelled")


# ------------------------------------------------------------------ schedules
def torch_schedule(make, lr0, steps):
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr0)
    sched = make(opt)
    out = []
    for _ in range(steps):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out


def close(a, b, scale):
    return abs(a - b) <= 1e-12 * scale + 1e-300


@spec("sched.step_decay.values")
@given(lr0=st.sampled_from([1.0, 1e-3, 0.3]), drop=st.sampled_from([None, 0.5, 0.1]), every=st.sampled_from([None, 1, 3, 10]))
def test_step_decay_values(impl, lr0, drop, every):
    kwargs = {k: v for k, v in (("drop", drop), ("every", every)) if v is not None}
    d, e = drop or 0.1, every or 10
    ref = torch_schedule(lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=e, gamma=d), lr0, 35)
    for epoch in range(35):
        got = impl.step_decay(lr0, epoch, **kwargs)
        require(isinstance(got, float), f"step_decay returned {type(got).__name__}, expected a Python float")
        exact = lr0 * d ** (epoch // e)
        require(close(got, exact, lr0) and abs(got - ref[epoch]) <= 1e-9 * lr0,
                f"step_decay({lr0}, {epoch}{''.join(f', {k}={v}' for k, v in kwargs.items())}) = {got!r}, "
                f"expected lr0 * drop^floor(epoch/every) = {exact!r} (PyTorch StepLR: {ref[epoch]!r})")


@spec("sched.cosine.values")
@given(lr0=st.sampled_from([1.0, 1e-3]), T=st.sampled_from([1, 7, 50]), lr_min=st.sampled_from([None, 0.0, 1e-4]))
def test_cosine_values(impl, lr0, T, lr_min):
    kwargs = {} if lr_min is None else {"lr_min": lr_min}
    m = lr_min or 0.0
    ref = torch_schedule(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=T, eta_min=m), lr0, T + 1)
    for t in range(T + 1):
        got = impl.cosine_annealing(lr0, t, T, **kwargs)
        exact = m + (lr0 - m) * (1 + math.cos(math.pi * t / T)) / 2
        require(isinstance(got, float) and close(got, exact, lr0) and abs(got - ref[t]) <= 1e-9 * lr0,
                f"cosine_annealing({lr0}, {t}, {T}, lr_min={m}) = {got!r}, expected {exact!r} (PyTorch: {ref[t]!r})")


@spec("sched.cosine.shape")
@given(lr0=st.floats(1e-4, 1.0), T=st.integers(1, 200), frac=st.floats(0.0, 0.1))
def test_cosine_shape(impl, lr0, T, frac):
    lr_min = lr0 * frac
    values = [impl.cosine_annealing(lr0, t, T, lr_min) for t in range(T + 1)]
    require(close(values[0], lr0, lr0) and close(values[-1], lr_min, lr0),
            f"cosine_annealing should start at lr0 = {lr0!r} and end at lr_min = {lr_min!r}, got {values[0]!r} ... {values[-1]!r}")
    require(all(b <= a + 1e-12 * lr0 for a, b in zip(values, values[1:])), "cosine_annealing increased somewhere in [0, T]")
    require(all(close(values[t] + values[T - t], lr0 + lr_min, lr0) for t in range(T + 1)),
            "cosine_annealing is not symmetric: f(t) + f(T - t) should be lr0 + lr_min")


@spec("sched.warmup_cosine.values")
@given(lr0=st.sampled_from([1.0, 3e-4]), warmup=st.integers(1, 10), extra=st.integers(1, 40),
       lr_min=st.sampled_from([0.0, 1e-5]))
def test_warmup_cosine_values(impl, lr0, warmup, extra, lr_min):
    T = warmup + extra
    for t in range(T + 1):
        got = impl.warmup_cosine(lr0, t, warmup, T, lr_min)
        exact = lr0 * t / warmup if t < warmup else \
            lr_min + (lr0 - lr_min) * (1 + math.cos(math.pi * (t - warmup) / (T - warmup))) / 2
        require(isinstance(got, float) and close(got, exact, lr0),
                f"warmup_cosine({lr0}, {t}, warmup={warmup}, T={T}, lr_min={lr_min}) = {got!r}, expected {exact!r}")


@spec("sched.warmup_cosine.shape")
@given(lr0=st.floats(1e-4, 1.0), warmup=st.integers(1, 20), extra=st.integers(1, 100))
def test_warmup_cosine_shape(impl, lr0, warmup, extra):
    T = warmup + extra
    values = [impl.warmup_cosine(lr0, t, warmup, T) for t in range(T + 1)]
    require(values[0] == 0.0, f"warmup_cosine starts at {values[0]!r}, expected 0")
    require(all(b > a for a, b in zip(values[:warmup], values[1:warmup + 1])), "warmup_cosine does not increase during warmup")
    require(close(values[warmup], lr0, lr0), f"warmup_cosine at t = warmup is {values[warmup]!r}, expected lr0 = {lr0!r}")
    left = impl.warmup_cosine(lr0, warmup - 1e-9, warmup, T)
    require(abs(left - lr0) <= 1e-6 * lr0, f"warmup_cosine jumps at t = warmup: {left!r} just before, {values[warmup]!r} at it")
    require(all(b <= a + 1e-12 * lr0 for a, b in zip(values[warmup:], values[warmup + 1:])),
            "warmup_cosine increases after the warmup")
    require(abs(values[-1]) <= 1e-12 * lr0, f"warmup_cosine ends at {values[-1]!r}, expected lr_min = 0")
