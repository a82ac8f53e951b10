"""Local emulators of Notion and HubSpot (one subpackage each), with what they share.

Both serve over one loopback HTTP server (`http.py`), keep state in one SQLite base
(`sqlite.py`) and speak one fault vocabulary (`faults.py`).
"""
