"""The registry: the curated data in `data/` (read, checked, loaded), kept apart from crawled data."""
