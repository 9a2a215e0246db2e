"""Hypothesis strategies for what a learner's function may return, as Python source text.

Nested lists and tuples, huge and special numbers (``10**400``, NaN, infinities, ``2**64``), numpy
arrays and scalars of odd dtypes (float16, uint64, complex, strings, bytes, dates), strings, None,
bools, bytes and dicts: each drawn value is an expression the mutant's body returns.
"""

from __future__ import annotations

from hypothesis import strategies as st

SPECIAL_NUMBERS = [
    "10**400",
    "-10**400",
    "10**5000",  # past Python's 4,300 digits of int(str): crosses because the body lifts that limit
    "2**63",
    "2**64",
    "-(2**63) - 1",
    "float('nan')",
    "float('inf')",
    "-float('inf')",
    "1e308 * 10",
    "-0.0",
    "5e-324",
    "1j",
    "True",
    "False",
]
ODD_DTYPES = ["float16", "float32", "int8", "uint8", "uint64", "int64", "complex64", "bool", "U3", "S2"]

numbers = st.one_of(
    st.integers().map(repr),
    st.floats(allow_nan=True, allow_infinity=True).map(lambda x: f"float({str(x)!r})"),
    st.sampled_from(SPECIAL_NUMBERS),
)
atoms = st.one_of(
    numbers,
    st.none().map(repr),
    st.text(max_size=5).map(repr),
    st.binary(max_size=3).map(repr),
)


def _array(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    flat = st.lists(
        st.one_of(st.integers(-(2**70), 2**70).map(repr), st.sampled_from(SPECIAL_NUMBERS[:10])), max_size=6
    )
    return st.one_of(
        st.tuples(flat, st.sampled_from(ODD_DTYPES)).map(lambda a: f"np.array([{', '.join(a[0])}], dtype={a[1]!r})"),
        st.tuples(numbers, st.sampled_from(ODD_DTYPES)).map(
            lambda a: f"np.{a[1] if a[1][0] != 'U' and a[1][0] != 'S' else 'str_'}({a[0]})"
        ),
        st.sampled_from(
            [
                "np.array(['2020-01-01'], dtype='datetime64[D]')",
                "np.array([1, 2], dtype='timedelta64[s]')",
                "np.zeros((0, 3))",
                "np.full((2, 2), np.nan)",
                "np.array([[1, 2], [3, 4]], dtype='float16')",
                "np.array(5)",
            ]
        ),
    )


values = st.recursive(
    st.one_of(atoms, _array(atoms)),
    lambda children: st.one_of(
        st.lists(children, max_size=4).map(lambda items: f"[{', '.join(items)}]"),
        st.lists(children, max_size=3).map(lambda items: f"({', '.join(items)}{',' if len(items) == 1 else ''})"),
        st.dictionaries(st.text(max_size=3).map(repr), children, max_size=3).map(
            lambda d: "{" + ", ".join(f"{k}: {v}" for k, v in d.items()) + "}"
        ),
        st.tuples(children, st.integers(0, 50)).map(lambda a: f"[{a[0]}] * {a[1]}"),
    ),
    max_leaves=8,
)


# ----------------------------------------------------------------------------- the right shape, wrong leaves

#: What becomes of an array in the reference's answer: a nested list of the leaf, an array of another
#: dtype, or kept (then only the plain numbers around it are replaced).
ARRAY_MODES = ["list", "keep", *ODD_DTYPES, "object"]
leaves = st.one_of(st.sampled_from(SPECIAL_NUMBERS), atoms)
shaped = st.tuples(leaves, st.sampled_from(ARRAY_MODES))


def wrapped(source: str, name: str, leaf: str, mode: str) -> str:
    """``source`` whose function ``name`` returns the reference's answer with every number replaced by
    ``leaf`` (and each array treated as ``mode`` says): the structure a check expects, wrong values in it,
    which is where a check's own conversions (``np.asarray(w, dtype=float)``) meet them."""
    return source + (
        f"\n\n_original_{name} = {name}\n\n\n"
        f"def {name}(*args, **kwargs):\n"
        "    import sys\n"
        "    import numpy as np\n"
        "    sys.set_int_max_str_digits(0)\n\n"
        "    def corrupt(value):\n"
        "        if isinstance(value, (list, tuple)):\n"
        "            return type(value)(corrupt(item) for item in value)\n"
        "        if isinstance(value, dict):\n"
        "            return {key: corrupt(item) for key, item in value.items()}\n"
        "        if isinstance(value, np.ndarray):\n"
        f"            if {mode!r} == 'list':\n"
        "                return corrupt(value.tolist())\n"
        f"            return value if {mode!r} == 'keep' else value.astype({mode!r})\n"
        f"        return {leaf}\n\n"
        f"    return corrupt(_original_{name}(*args, **kwargs))\n"
    )
