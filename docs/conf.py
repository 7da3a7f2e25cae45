"""Sphinx configuration of the sklinear documentation.

Build it with ``python -m sphinx -W --keep-going -b html docs docs/_build/html``; the
examples of the gallery (``docs/examples/plot_*.py``) run during the build.
"""

import os
import sys
import warnings

import matplotlib

matplotlib.use("Agg")

# Import the package from this checkout when it is not installed; docs/_ext holds the
# directive that documents the command line.
sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..")))
sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "_ext")))

import sklinear  # noqa: E402

project = "sklinear"
author = "The sklinear developers"
copyright = "2026, The sklinear developers"
version = release = sklinear.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",  # CHANGELOG.md, included by changelog.rst
    "command_line",  # docs/_ext/command_line.py: the options of the command line
]

templates_path = ["_templates"]
# The gallery header is read by sphinx-gallery, not as a page of its own.
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "examples/GALLERY_HEADER.rst"]
root_doc = "index"
# Markdown is read only where a page includes it (the changelog), never as a page.
source_suffix = {".rst": "restructuredtext"}
default_role = "literal"

# API reference: one page per public name, generated from the docstrings.
autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": True}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True

# Links to the documentation of Python and of the libraries sklinear builds on. The
# inventories are downloaded while building; one that cannot be reached (no network) is
# left out with a message, and its names are shown as plain text instead of links, so that
# the build with -W passes offline too.
_INTERSPHINX = {
    "python": "https://docs.python.org/3",
    "numpy": "https://numpy.org/doc/stable",
    "scipy": "https://docs.scipy.org/doc/scipy",
    "sklearn": "https://scikit-learn.org/stable",
    "pandas": "https://pandas.pydata.org/docs",
}
intersphinx_timeout = 10


def _reachable(url, timeout=intersphinx_timeout):
    """Whether the intersphinx inventory at ``url`` can be downloaded now."""
    import urllib.request

    request = urllib.request.Request(f"{url}/objects.inv", method="HEAD")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status == 200
    except Exception:  # noqa: BLE001 - any failure means: build without these links
        return False


def _intersphinx_mapping():
    from concurrent.futures import ThreadPoolExecutor

    from sphinx.util import logging

    with ThreadPoolExecutor(len(_INTERSPHINX)) as pool:
        found = pool.map(_reachable, _INTERSPHINX.values())
        reachable = dict(zip(_INTERSPHINX, found, strict=True))
    missing = [name for name, ok in reachable.items() if not ok]
    if missing:
        logging.getLogger(__name__).info(
            "intersphinx: cannot reach the inventories of %s (offline?); "
            "their names are not linked in this build",
            ", ".join(missing),
        )
    return {name: (url, None) for name, url in _INTERSPHINX.items() if reachable[name]}


intersphinx_mapping = _intersphinx_mapping()

html_theme = "pydata_sphinx_theme"
html_title = f"sklinear {release}"
html_static_path = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "footer_start": ["copyright"],
    "footer_end": [],
}
html_sidebars = {"install": [], "quickstart": []}

# The gallery: every docs/examples/plot_*.py runs during the build and its figures are
# embedded in the page.
sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "doc_module": ("sklinear",),
    "backreferences_dir": os.path.join("generated", "backreferences"),
    "abort_on_example_error": True,
    "plot_gallery": "True",
}


def _write_command_line_transcripts():
    """Run the command line now, so that the quick start shows its real output."""
    import contextlib
    import io

    from sklinear.cli import main

    os.environ["COLUMNS"] = "88"  # the width argparse wraps the help to
    folder = os.path.join(os.path.dirname(__file__), "generated")
    os.makedirs(folder, exist_ok=True)
    runs = {  # file: (arguments, expected exit status, show standard error)
        "cli_help.txt": (["cv", "--help"], 0, False),
        "cli_cv.txt": (["cv", "--quiet"], 0, False),
        "cli_error.txt": (["cv", "--target", "specie"], 2, True),
    }
    for name, (argv, expected, show_stderr) in runs.items():
        out, err = io.StringIO(), io.StringIO()
        with (
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
            warnings.catch_warnings(),
        ):
            warnings.simplefilter("ignore")
            code = main(argv)
        if code != expected:
            raise RuntimeError(f"sklinear {' '.join(argv)} exited with {code}: {err.getvalue()}")
        text = out.getvalue() + (err.getvalue() if show_stderr else "")
        with open(os.path.join(folder, name), "w", encoding="utf-8") as handle:
            handle.write(f"$ sklinear {' '.join(argv)}\n{text}")


_write_command_line_transcripts()


def _skip_scikit_learn_members(app, what, name, obj, skip, options):
    """Document the methods sklinear defines, not those inherited from scikit-learn.

    The inherited ones (``get_params``, ``set_output``, ``score``, metadata routing) are
    documented by scikit-learn, and their docstrings refer to its own pages.
    """
    module = getattr(obj, "__module__", None) or ""
    if what == "class" and module.split(".")[0] == "sklearn":
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_scikit_learn_members)
