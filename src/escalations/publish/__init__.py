"""Desired state to the remotes: plans, targets, and one subpackage per remote (Notion, HubSpot)."""
