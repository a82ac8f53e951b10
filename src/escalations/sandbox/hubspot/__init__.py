"""The HubSpot API emulator: properties, owners, flows and their runtime, tickets, faults."""

from escalations.sandbox.hubspot.emulator import HubSpotEmulator

__all__ = ["HubSpotEmulator"]
