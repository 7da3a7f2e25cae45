"""Progress of the model search on standard error, reported from the parent process.

The search hands every finished (fold, degree) task to :meth:`Progress.task_done` as its
result arrives, whichever process computed it, so progress is reported with ``--jobs``
as without. On a terminal one line is updated in place; elsewhere (a log file, a pipe)
a line is written per finished fold and per finished candidate, so a long candidate is
never silent for minutes.
"""

import sys
import time
from collections import defaultdict

import numpy as np

from ._errors import plural
from ._search import describe


class Progress:
    """Report the search's progress on ``stream`` (default standard error).

    Parameters
    ----------
    candidates : list of dict
        The candidates, in the search's order.
    n_folds : int
    stream : file-like, default=None
        Standard error when None.
    quiet : bool, default=False
        Report nothing.
    """

    def __init__(self, candidates, n_folds, stream=None, quiet=False):
        self.candidates = candidates
        self.n_folds = n_folds
        self.stream = sys.stderr if stream is None else stream
        self.quiet = quiet
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._scores = defaultdict(list)
        self._fits_done = 0
        self._start = time.perf_counter()

    @property
    def n_fits(self):
        return len(self.candidates) * self.n_folds

    def _write(self, text):
        if not self.quiet:
            self.stream.write(text)
            self.stream.flush()

    def message(self, text):
        """A line of its own: ``sklinear: text``."""
        self._write(f"sklinear: {text}\n")

    def task_done(self, fold, degree, scores):
        """Record the fits of one fold and degree: ``{candidate: (test, train, ...)}``."""
        self._fits_done += len(scores)
        elapsed = time.perf_counter() - self._start
        finished = []
        for index, row in sorted(scores.items()):
            self._scores[index].append(row[0])
            if len(self._scores[index]) == self.n_folds:
                finished.append(index)
        if self.tty:
            self._write(
                f"\r  {self._fits_done}/{self.n_fits} fits: fold {fold + 1}/{self.n_folds} "
                f"of degree {degree} done ({elapsed:.1f} s)\x1b[K"
            )
            if self._fits_done == self.n_fits:
                self._write("\n")
            return
        tested = [row[0] for row in scores.values() if not np.isnan(row[0])]
        best = f"best validation score {max(tested):.4g}" if tested else "every fit failed"
        self._write(
            f"  fold {fold + 1}/{self.n_folds} of degree {degree} done: "
            f"{plural(len(scores), 'candidate')}, {best} "
            f"({self._fits_done}/{self.n_fits} fits, {elapsed:.1f} s elapsed)\n"
        )
        for index in finished:
            mean = np.mean(self._scores[index])
            self._write(
                f"  candidate {index + 1}/{len(self.candidates)} done ({self.n_folds} folds): "
                f"{describe(self.candidates[index])} -> mean score {mean:.4g}\n"
            )
