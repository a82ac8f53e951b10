"""escalations: a customer-service escalation framework as code."""

__version__ = "0.1.0"
