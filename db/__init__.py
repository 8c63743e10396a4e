"""All SQLite access: connections, migrations, paged queries, change sets, aggregates, demo data.

Nothing here imports Streamlit; nothing outside this package writes SQL.
"""
