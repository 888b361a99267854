"""The evalstage app: ``streamlit run app/main.py -- --store URL`` (or ``evalstage app``).

Reads the store named by ``--store`` (after Streamlit's ``--``) or ``$EVALSTAGE_STORE``; never
writes to it.
"""

from __future__ import annotations

import streamlit as st

from evalstage.app import data
from evalstage.app.ui import PAGES
from evalstage.evalcore.redact import redact_url

st.set_page_config(page_title="evalstage", layout="wide")

pages = [
    st.Page(file, title=title, url_path=name, default=i == 0)
    for i, (name, (file, title)) in enumerate(PAGES.items())
]
navigation = st.navigation(pages)
with st.sidebar:
    st.caption("Store (read-only)")
    st.text(redact_url(data.store_url()))  # a PostgreSQL URL may hold a password
navigation.run()
