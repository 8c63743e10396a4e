"""How a page is reached: every page runs through app.py, and addresses from when 客户 was the home page
still open 客户.

Streamlit keeps a legacy mode for apps with a ``pages/`` folder: until the
first script run in a server process calls ``st.navigation``, a deep link such
as ``/follow_ups`` runs ``pages/follow_ups.py`` on its own — without app.py's
page setup, base preparation and sidebar. A page that finds itself run that
way switches the legacy mode off and reruns, which goes through app.py.

``/`` opened the customer grid until 今日待跟进 became the home page, so
``/?customer=ID`` (a customer's detail) and ``/?view=ID`` (a saved view) are in
bookmarks, mails and chats; the home page passes them on to ``/customers``.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

#: The query parameters the customer page reads: ``?customer=ID`` (ui/detail.py), ``?view=ID`` (ui/views.py).
CUSTOMER_PARAMS = ("customer", "view")


def through_app() -> None:
    """Rerun through app.py if Streamlit's legacy ``pages/`` discovery ran this page directly."""
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False  # what st.navigation itself sets
        st.rerun()


def old_customer_link(customers: st.Page) -> None:
    """On the home page: an address meant for the customer page (``/?customer=ID``) opens ``customers``
    with the same query parameters, which the browser's address bar then shows."""
    if any(name in st.query_params for name in CUSTOMER_PARAMS):
        st.switch_page(customers, query_params=st.query_params.to_dict())
