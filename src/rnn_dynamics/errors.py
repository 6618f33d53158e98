"""User-facing errors.

Anything a user can cause (bad config, missing or corrupt data, a checkpoint of the wrong
model) raises a subclass of :class:`RnnDynamicsError`; the workflow scripts print its message
without a traceback. Programming errors stay ordinary exceptions.
"""


class RnnDynamicsError(Exception):
    """Base class for errors caused by input the user controls."""


class ConfigError(RnnDynamicsError):
    """The configuration is invalid; the message names the key, the value and what is allowed."""


class DataError(RnnDynamicsError):
    """A dataset archive is missing, corrupt or has an unexpected layout."""


class CheckpointError(RnnDynamicsError):
    """A checkpoint does not fit the model or vocabulary it is loaded into."""


class NumericalError(RnnDynamicsError):
    """Training diverged or an analysis could not produce a meaningful result."""


class OutputError(RnnDynamicsError):
    """An output or log cannot be written (read-only or foreign folder)."""
