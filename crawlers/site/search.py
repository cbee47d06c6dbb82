"""/search?q=: one search over laws, provisions, court decisions and bills."""


async def page(datasette, request):
    raise NotImplementedError
