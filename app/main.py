"""The evalstage app: ``streamlit run app/main.py -- --store URL`` (or ``evalstage app``).

Reads the store named by ``--store`` (after Streamlit's ``--``) or ``$EVALSTAGE_STORE``; never
writes to it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:  # `streamlit run app/main.py` puts app/, not the repository, on the path
    sys.path.insert(0, _ROOT)

from app import data  # noqa: E402
from app.ui import PAGES  # noqa: E402

st.set_page_config(page_title="evalstage", layout="wide")

pages = [
    st.Page(file, title=title, url_path=name, default=i == 0)
    for i, (name, (file, title)) in enumerate(PAGES.items())
]
navigation = st.navigation(pages)
with st.sidebar:
    st.caption("Store (read-only)")
    st.text(data.store_url())
navigation.run()
