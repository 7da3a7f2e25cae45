"""A Sphinx directive that documents a command line from its argparse parser.

``.. command-line-reference:: package.module:build_parser`` calls the function (which
returns an :class:`argparse.ArgumentParser`) while the documentation is built, and writes
one section per command: its description, its usage line, every option (as a
``.. option::`` entry, so ``:option:`sklinear cv --target``` links to it) and its epilog.
Subcommands are found by walking the parser's subparsers actions, so a new subcommand or
option appears in the documentation without editing it.
"""

import argparse
import importlib
import re

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

_SECTION_UNDERLINE = "-"


def _escape(text):
    """Escape reST inline markup, so that help text is shown as written."""
    return re.sub(r"([\\*`|_])", r"\\\1", text)


def _literal_block(text, introduction=""):
    lines = text.strip("\n").splitlines()
    indented = [f"    {line}" if line.strip() else "" for line in lines]
    return [f"{introduction}::", "", *indented, ""]


def _subcommands(parser):
    """(name, parser, help) of each subcommand of ``parser``, without aliases."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            seen = set()
            for name, subparser in action.choices.items():
                if id(subparser) not in seen:
                    seen.add(id(subparser))
                    found.append((name, subparser, helps.get(name)))
    return found


def _options(parser):
    formatter = parser._get_formatter()
    lines = []
    for action in parser._actions:
        if action.help == argparse.SUPPRESS or isinstance(action, argparse._SubParsersAction):
            continue
        invocation = formatter._format_action_invocation(action)
        help_text = formatter._expand_help(action) if action.help else ""
        lines += [f".. option:: {invocation}", ""]
        lines += [f"   {_escape(line)}" for line in help_text.splitlines()] or ["   "]
        lines.append("")
    return lines


def _command_lines(parser, summary=None):
    title = parser.prog
    lines = [f"``{title}``", _SECTION_UNDERLINE * (len(title) + 4), ""]
    if summary and not parser.description:
        lines += [_escape(summary[0].upper() + summary[1:]) + ".", ""]
    lines += [f".. program:: {title}", ""]
    lines += _literal_block(parser.format_usage().removeprefix("usage: "), "Usage")
    if parser.description:
        lines += _literal_block(parser.description)
    options = _options(parser)
    if options:
        lines += [".. rubric:: Arguments and options", "", *options]
    if parser.epilog:
        lines += [".. rubric:: Details", ""] + _literal_block(parser.epilog)
    for _, subparser, help_text in _subcommands(parser):
        lines += _command_lines(subparser, help_text)
    return lines


class CommandLineReference(SphinxDirective):
    """``.. command-line-reference:: module:function`` -- the function builds the parser."""

    required_arguments = 1
    has_content = False

    def run(self):
        module_name, _, function_name = self.arguments[0].partition(":")
        parser = getattr(importlib.import_module(module_name), function_name)()
        if not isinstance(parser, argparse.ArgumentParser):
            raise self.error(f"{self.arguments[0]} returned {parser!r}, not an ArgumentParser")
        content = StringList(_command_lines(parser), source=f"<{self.arguments[0]}>")
        container = nodes.section()
        container.document = self.state.document
        nested_parse_with_titles(self.state, content, container)
        return container.children


def setup(app):
    app.add_directive("command-line-reference", CommandLineReference)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
