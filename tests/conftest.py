"""Test configuration shared by all test files.

scikit-learn's ``array_api_dispatch`` needs ``SCIPY_ARRAY_API=1`` in the environment before
SciPy is imported (scikit-learn raises a RuntimeError otherwise); this file is imported
before any test module, hence before SciPy.
"""

import os

os.environ.setdefault("SCIPY_ARRAY_API", "1")
