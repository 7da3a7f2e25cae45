"""Random messy tables through ``sklinear cv``: a result or one clear line, never a crash."""

import numpy as np
import pandas as pd
from _cli_util import run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

MARKERS = ["?", "NA", "-", "", "null"]


@st.composite
def messy_tables(draw):
    n = draw(st.integers(min_value=2, max_value=40))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    columns = {}
    for number in range(draw(st.integers(min_value=1, max_value=4))):
        kind = draw(st.sampled_from(["number", "text", "id", "constant", "marker-number"]))
        if kind == "number":
            values = rng.normal(size=n) * 10.0 ** draw(st.integers(-2, 3))
            values = np.where(rng.random(n) < 0.2, np.nan, values)
        elif kind == "text":
            values = rng.choice(["a", "b", "c", None], size=n)
        elif kind == "id":
            values = [f"name {i}" for i in range(n)]
        elif kind == "constant":
            values = ["same"] * n
        else:
            values = [f"{v:.2f}" for v in rng.normal(size=n)]
            for i in rng.choice(n, size=min(n, 2), replace=False):
                values[i] = draw(st.sampled_from(MARKERS))
        columns[f"c{number}"] = values
    target = draw(st.sampled_from(["two", "three", "numeric", "integer"]))
    if target == "two":
        t = rng.choice(["yes", "no"], size=n)
    elif target == "three":
        t = rng.choice(["x", "y", "z"], size=n)
    elif target == "numeric":
        t = rng.normal(size=n)
    else:
        t = rng.integers(0, 4, size=n)
    columns["t"] = t
    frame = pd.DataFrame(columns)
    if draw(st.booleans()):
        frame.loc[rng.random(n) < 0.1, "t"] = None
    return frame


@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(frame=messy_tables())
def test_messy_tables_give_a_result_or_one_line(tmp_path_factory, capsys, frame):
    path = tmp_path_factory.mktemp("messy") / "table.csv"
    frame.to_csv(path, index=False)
    before = path.read_bytes()
    code, out, err = run(capsys, "cv", path, "--target", "t", "--degree", "1", "--alpha", "0.1",
                         "--folds", "2", "-q")  # fmt: skip
    assert path.read_bytes() == before
    assert "Traceback" not in out + err
    if code == 0:
        assert "best parameters:" in out
        return
    lines = err.splitlines()
    assert code in (1, 2), err
    assert lines[-1].startswith("sklinear: error: "), err
    # An unexpected exception is reported with this hint; a data problem has its own message.
    assert "SKLINEAR_DEBUG" not in lines[-1], err
