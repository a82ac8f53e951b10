"""The Slack Web API emulator: messages, users, channels, Block Kit checks, limits, clicks."""

from escalations.sandbox.slack.emulator import SlackEmulator
from escalations.sandbox.slack.store import Channel, Message, Revision, User

__all__ = ["Channel", "Message", "Revision", "SlackEmulator", "User"]
