"""The knowledge base in SQLite: the schema, rows built from the records, the writer and the build.

``schema`` names every table, index and view (``spec`` says how a table is
described), ``ddl`` creates them, ``rows`` turns one parsed document into
rows, ``writer`` inserts them and derives what spans documents
(``series_table``, ``family_table``, ``text_registry``), ``build`` drives it
all, and ``read`` answers the CLI's questions about a built knowledge base.
"""
