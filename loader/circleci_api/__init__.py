"""The CircleCI Usage Export API path: client, rate limits, export runner, downloads, load."""
