"""Bridge until the store records `PageError.tracked`, `gone_type` and `gone_id`.

`StorePipeline._error` takes only url, status, kind and reason; this pipeline, just
before it, takes the newer fields off a `PageError` when the store cannot take them
yet, so the error itself is still recorded. (The crawl's exit rule reads the count of
failed tracked documents from the crawler's stats meanwhile.) Delete this module and
its ITEM_PIPELINES line once StorePipeline accepts the fields.
"""

import inspect

from ..items import PageError
from .pipelines import StorePipeline

NEWER_FIELDS = ("tracked", "gone_type", "gone_id")


class PageErrorFieldsBridge:
    def __init__(self):
        parameters = inspect.signature(StorePipeline._error).parameters
        takes_any = any(p.kind is p.VAR_KEYWORD for p in parameters.values())
        self.unknown = () if takes_any else tuple(f for f in NEWER_FIELDS if f not in parameters)

    def process_item(self, item):
        if isinstance(item, PageError):
            for name in self.unknown:
                item.pop(name, None)
        return item
