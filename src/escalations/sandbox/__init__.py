"""Local emulators of the remote services the project publishes to (Notion), for tests and demos."""
