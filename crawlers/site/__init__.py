"""The served site: the Datasette plugin (and, beside it, templates and pages)."""
