"""The accuracy gates: which model, on which data, with which settings, must reach what.

Settings are fixed and seeded so that a gate is reproducible; the measured
results on the 2-core CI machine are in README.md.
"""
from aifund.training.training import recipe

GATES = {
    # name: (data set, config, minimum test accuracy, where the target comes from)
    "mlp-mnist-5k": ("mnist-5k", recipe("mlp", eval_every_epoch=False),
                     0.92, "this project's gate for 5,000 training images"),
    # 3 epochs of the CNN recipe (which trains 4): the gate's own seed reaches 97.00%, and seeds 0-4 reach
    # 97.00 / 97.29 / 97.09 / 96.64 / 97.37% (INT8 within 0.05 points of each), so at least 0.64 points above
    # the gate; the 4th epoch (~20 s on the 2-core CI machine, its largest single test) added 0.39 points on
    # seed 0. 2 epochs were not enough (95.84% on seed 3).
    "cnn-mnist-5k": ("mnist-5k", recipe("cnn", epochs=3, eval_every_epoch=False),
                     0.96, "this project's gate for 5,000 training images"),
    "mlp-digits": ("digits", recipe("mlp", epochs=30, eval_every_epoch=False),
                   0.97, "this project's gate for scikit-learn's digits"),
    "mlp-mnist": ("mnist", recipe("mlp", eval_every_epoch=False),
                  0.97, "the guide's Project 2 target (> 97%)"),
    "cnn-mnist": ("mnist", recipe("cnn", eval_every_epoch=False),
                  0.99, "the guide's Project 3 target (> 99%)"),
}

# Gates whose trained model also goes through the INT8 gate (Project 6).
INT8_GATES = ("mlp-mnist-5k", "cnn-mnist-5k", "mlp-mnist", "cnn-mnist")
