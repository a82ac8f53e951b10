"""The framework compiled to HubSpot ticket properties and workflows, and deployed to a portal."""
