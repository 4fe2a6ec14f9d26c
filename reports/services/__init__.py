"""Writes of the reports app: its own rollups, indicators and exports, nothing below."""
