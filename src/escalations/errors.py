"""The one root exception of escalations and its few subclasses."""


class EscalationsError(Exception):
    """An operation could not be carried out; the message says why and how to fix it."""


class FrameworkNotFoundError(EscalationsError):
    """The framework directory does not exist or is not a directory."""


class SchemaSetError(EscalationsError):
    """The JSON Schemas that ship with the tool cannot be found or read (an installation bug)."""
