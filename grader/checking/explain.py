"""Turn a learner's exception into a teaching tip when we recognise the mistake.

Mostly Keras-2 habits that Keras 3 rejects (``Adam(lr=...)``,
``Sequential(Dense(...))`` without a list, ``nb_epoch``, ``predict_classes``):
the learner gets the Keras 3 form instead of only a traceback. Each rule maps an
exception type and a pattern in its message to a catalogue message id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    error_type: str  # exception class name, or "*" for any
    pattern: str  # regular expression searched in the exception message
    message_id: str


RULES: list[Rule] = [
    Rule("ValueError", r"Argument\(s\) not recognized: \{'lr'", "explain.optimizer_lr"),
    Rule(
        "TypeError",
        r"'(Dense|Conv[123]D\w*|Flatten|MaxPool\w*|AveragePool\w*|GlobalAverage\w*|Dropout|BatchNormalization"
        r"|Activation|ReLU|Softmax|Input\w*|KerasTensor|Rescaling|Reshape|Random\w+|Embedding|LSTM|GRU|SimpleRNN)'"
        r" object is not iterable",
        "explain.sequential_list",
    ),
    Rule("TypeError", r"unexpected keyword argument 'nb_epoch'", "explain.nb_epoch"),
    Rule("TypeError", r"unexpected keyword argument 'samples_per_epoch'", "explain.samples_per_epoch"),
    Rule("AttributeError", r"has no attribute 'predict_classes'", "explain.predict_classes"),
    Rule("AttributeError", r"has no attribute 'predict_proba'", "explain.predict_proba"),
    Rule("AttributeError", r"has no attribute '(fit|evaluate|predict)_generator'", "explain.fit_generator"),
    # imports that moved or vanished (the submission then fails to load)
    Rule("*", r"No module named '(tensorflow\.)?keras\.layers\.core'", "explain.keras2_layers_core"),
    Rule("*", r"np_utils", "explain.np_utils"),
    Rule("*", r"keras\.optimizers\.legacy", "explain.legacy_optimizer"),
    Rule("*", r"cannot import name 'ImageDataGenerator'", "explain.image_data_generator"),
    Rule("*", r"No module named '(tensorflow\.)?keras\.layers\.experimental", "explain.layers_experimental"),
    # exercise 16's figure: matplotlib is an optional extra of kerasdrill (`plots`)
    Rule("*", r"No module named 'matplotlib", "explain.matplotlib_missing"),
    # Keras 1/2 arguments
    Rule("TypeError", r"Dense\.__init__\(\) missing 1 required positional argument: 'units'", "explain.output_dim"),
    Rule("TypeError", r"Dropout\.__init__\(\) missing 1 required positional argument: 'rate'", "explain.dropout_rate"),
    Rule(
        "ValueError",
        r"Unrecognized keyword arguments passed to \w+: "
        r"\{'(init|border_mode|nb_filter|nb_row|nb_col|subsample|dim_ordering)'",
        "explain.keras1_keyword",
    ),
    Rule("ValueError", r"Cannot convert '\d+' to a shape", "explain.shape_not_tuple"),
    # the notes' Dense(units, input_dim=n): Keras 3's Input and InputLayer take shape=(n,) only
    Rule("TypeError", r"unexpected keyword argument 'input_dim'", "explain.input_dim"),
    Rule("ValueError", r"You must pass a `shape` argument", "explain.input_dim"),
    Rule("KeyError", r"^'(val_)?acc'$", "explain.history_acc"),
    Rule("ValueError", r"You must call `compile\(\)` before", "explain.not_compiled_fit"),
    # Keras 2 took compile(metrics='accuracy'); Keras 3 wants a list (혼공머신 writes the bare string)
    Rule("ValueError", r"Expected `metrics` argument to be a list, tuple, or dict", "explain.metrics_list"),
]


def explain(error_type: str, error: str) -> str | None:
    """The message id of a tip for this exception, or ``None``."""
    for rule in RULES:
        if rule.error_type in ("*", error_type) and re.search(rule.pattern, error or ""):
            return rule.message_id
    return None
