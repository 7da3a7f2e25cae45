"""F2: float32 data whose columns have large means (1e4..2e4)."""

from _certify import RECORDER
from _datasets import shifted_float32
from _table import Row, timed_ours
from _workloads import objective_binary, relative_gap

from sklinear import GDLogisticClassifier

ACCURACY = 1e-5  # |J_float32 - J_float64| / |J_float64|


def f2(scale, **_):
    """Fit time of the float32 fit against the same fit on the same numbers in float64;
    J of both computed in float64. Status: time ratio <= 1 and |J gap| <= 1e-5."""
    X32, X64, y = shifted_float32(int(200_000 * scale))
    n = X32.shape[0]

    def objective(model):
        return objective_binary(model, X64, y, 1 / n)

    ours = timed_ours(lambda: GDLogisticClassifier(alpha=1 / n), X32, y)
    reference = timed_ours(lambda: GDLogisticClassifier(alpha=1 / n), X64, y)
    j_ours, j_reference = objective(ours.model), objective(reference.model)
    RECORDER.record("F2-f64", reference.model, objective, X64, y)
    RECORDER.record(
        "F2", ours.model, objective, X32, y, candidates={"float64 fit": j_reference}, refit_X=X64
    )
    ratio = ours.time / reference.time
    gap = relative_gap(j_ours, j_reference)
    ok = ratio <= 1.0 and abs(gap) <= ACCURACY
    return Row(
        workload="F2",
        ours=ours.time,
        peer=reference.time,
        ratio=ratio,
        goal="<=1",
        gap=gap,
        warnings=f"{ours.convergence_warnings}/{reference.convergence_warnings}",
        passes=ours.passes,
        status="ok" if ok else "MISSED",
        note=f"peer = sklinear on the same numbers in float64; |J gap| <= 1e-5; passes "
        f"f32/f64 {ours.passes:g}/{reference.passes:g}; n_iter "
        f"{ours.model.n_iter_}/{reference.model.n_iter_}",
    )
