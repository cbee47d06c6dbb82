"""Scrapy machinery shared by every source: settings, middlewares, pipelines, progress."""
