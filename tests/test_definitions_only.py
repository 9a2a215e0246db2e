"""definitions_only: what a probe's worker imports runs none of the learner's top-level code."""

from __future__ import annotations

import ast

from hypothesis import given, settings
from hypothesis import strategies as st

from grader.submissions.definitions import definitions_only

# Statements a learner's module may hold. Each "trap" runs learner code when the module is imported
# (a call, a decorator, a default, an annotation, a class body, a loop, a comprehension, a walrus).
HARMLESS = [
    "import math",
    "import numpy as np",
    "from collections import OrderedDict as OD",
    "SEED = 42",
    "NAMES = ('a', [1, 2.5, {'k': None}])",
    "sqrt = math.sqrt",
    "def helper(x, scale=2, *, shift=-1.5):\n    return trap(x)",
    "async def later(x=None):\n    return trap(x)",
]
TRAPS = [
    "trap()",
    "x = trap()",
    "value = [trap() for _ in range(1)]",
    "@trap\ndef decorated():\n    return 1",
    "def defaulted(x=trap()):\n    return x",
    "def annotated(x: trap()) -> trap():\n    return x",
    "class Patched:\n    trap()",
    "for _ in range(1):\n    trap()",
    "if True:\n    trap()",
    "try:\n    trap()\nexcept Exception:\n    pass",
    "with open(trap()):\n    pass",
    "(y := trap())",
    "np = trap()",
    "math.sqrt = trap",
    "SEED += trap()",
    "alias = trap().attr",
]


class Trapped(Exception):
    pass


def _trap(*args, **kwargs):
    raise Trapped("learner code ran at import")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(HARMLESS + TRAPS), min_size=1, max_size=12))
def test_importing_the_reduced_module_runs_no_learner_code(statements):
    source = "\n".join(statements) + "\n"
    reduced = definitions_only(source)
    namespace = {"trap": _trap, "__name__": "reduced"}
    exec(compile(reduced, "<reduced>", "exec"), namespace)  # raises Trapped if any learner code ran
    defined = {
        node.name for node in ast.parse(source).body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    }
    assert defined <= set(namespace), (defined, reduced)


def test_keeps_what_a_function_needs_and_drops_the_rest():
    source = """
import random
import numpy as np
import tensorflow as tf
keras = tf.keras
SEED = 7
print("lesson output")
model = keras.Sequential()

@tf.function
def set_seed(seed=SEED, verbose=print):
    random.seed(seed)

class Helper:
    pass
"""
    reduced = definitions_only(source)
    tree = ast.parse(reduced)
    kinds = [type(node).__name__ for node in tree.body]
    assert kinds == ["Import", "Import", "Import", "Assign", "Assign", "FunctionDef"], reduced
    function = tree.body[-1]
    assert function.decorator_list == []
    assert [ast.unparse(d) for d in function.args.defaults] == ["None", "None"], (
        reduced
    )  # a name, even of a constant, is code
    assert "print" not in reduced and "Helper" not in reduced and "Sequential" not in reduced


def test_a_rebound_import_name_is_no_longer_an_alias_root():
    reduced = definitions_only("import numpy as np\nnp = make_fake()\nrandom = np.random\n")
    assert "np.random" not in reduced and "make_fake" not in reduced, reduced


def test_a_source_that_does_not_parse_gives_an_empty_module():
    assert definitions_only("def broken(:\n") == ""
    assert definitions_only("x = " + "(" * 10_000 + ")" * 10_000) in ("", "\n")


def test_a_notebooks_cells_are_reduced_one_by_one_and_a_cell_that_does_not_parse_is_left_out():
    source = "import random\ndef broken(:\n    pass\ndef set_seed(seed):\n    random.seed(seed)\n"
    assert definitions_only(source) == ""  # a .py that does not parse is not importable either
    reduced = definitions_only(source, units=[(1, 1), (2, 3), (4, 5)])
    assert "def set_seed" in reduced and "import random" in reduced and "broken" not in reduced, reduced
