"""Local emulators of Notion, HubSpot and Slack, one subpackage each, for tests and the sandbox.

They serve over one loopback HTTP server (`http.py`), keep state in one SQLite base
(`sqlite.py`) and speak one fault vocabulary (`faults.py`).
"""
