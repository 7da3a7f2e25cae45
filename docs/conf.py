"""Sphinx configuration of the sklinear documentation.

Build it with ``python -m sphinx -W --keep-going -b html docs docs/_build/html``; the
examples of the gallery (``docs/examples/plot_*.py``) run during the build.
"""

import os
import sys
import warnings

import matplotlib

matplotlib.use("Agg")

# Import the package from this checkout when it is not installed.
sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..")))

import sklinear  # noqa: E402

project = "sklinear"
author = "The sklinear developers"
copyright = "2026, The sklinear developers"
version = release = sklinear.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
# The gallery header is read by sphinx-gallery, not as a page of its own.
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "examples/GALLERY_HEADER.rst"]
root_doc = "index"
default_role = "literal"

# API reference: one page per public name, generated from the docstrings.
autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": True}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True

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
    "reference_url": {"sklinear": None},
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
