"""Compile the framework into HubSpot ticket properties and workflows."""
