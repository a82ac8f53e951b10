"""Escalation events -> outbox -> Slack: events, the durable outbox, messages, recipients."""
