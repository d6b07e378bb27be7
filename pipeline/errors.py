"""The one exception type the CLI turns into a one-line error."""


class StanceError(Exception):
    """A problem the user can fix: bad input, a missing model, a malformed file."""
