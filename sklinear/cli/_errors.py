"""Errors of the command line: each is reported as one line with an exit status."""


class CLIError(Exception):
    """A problem with the user's input: reported as one line, exit status 1."""

    exit_code = 1


class UsageError(CLIError):
    """An invalid command line option: reported as one line, exit status 2."""

    exit_code = 2


def one_line(text):
    """Collapse a message to a single line."""
    return " ".join(str(text).split())


def plural(count, noun):
    """``'1 fold'``, ``'3 folds'``."""
    return f"{count} {noun}" + ("" if count == 1 else "s")
