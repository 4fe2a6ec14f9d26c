"""Reads of the reports app: rollups within the reader's scope."""
