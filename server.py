"""The server: the Streamlit app (app.py) plus the login routes, the public forms' pages (``/f/<token>``),
the login gate and housekeeping.

``make run`` starts it with ``streamlit run server.py``; Streamlit finds the
``st.App`` below and serves it (Starlette under uvicorn) with the settings
in ``.streamlit/config.toml``.
"""

import streamlit as st
from starlette.middleware import Middleware

from web import public_forms
from web.auth import ROUTES, LoginGate
from web.housekeeping import lifespan

app = st.App("app.py", routes=ROUTES + public_forms.ROUTES, middleware=[Middleware(LoginGate)], lifespan=lifespan)
