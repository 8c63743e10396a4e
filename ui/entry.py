"""Making sure every page runs through app.py.

Streamlit keeps a legacy mode for apps with a ``pages/`` folder: until the
first script run in a server process calls ``st.navigation``, a deep link such
as ``/follow_ups`` runs ``pages/follow_ups.py`` on its own — without app.py's
page setup, base preparation and sidebar. A page that finds itself run that
way switches the legacy mode off and reruns, which goes through app.py.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def through_app() -> None:
    """Rerun through app.py if Streamlit's legacy ``pages/`` discovery ran this page directly."""
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False  # what st.navigation itself sets
        st.rerun()
