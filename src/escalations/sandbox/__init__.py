"""Local emulators of Notion and HubSpot (one subpackage each), sharing one loopback HTTP server,
one SQLite store base and one fault vocabulary."""
