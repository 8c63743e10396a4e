"""The HTTP side of the server: login routes, the login gate and background housekeeping (no Streamlit UI)."""
