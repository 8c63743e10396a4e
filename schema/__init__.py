"""The schema: column types, tables, the CRM template and its labels. No Streamlit, no SQL."""

from schema.crm import CRM

__all__ = ["CRM"]
