"""Publishing the knowledge base with Datasette: the plugin, the metadata, the canned queries, serving."""
