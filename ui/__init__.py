"""Shared Streamlit pieces: grid, filters, charts, messages, the language catalog."""
