"""Secrets never reach a stored URL, a log line or an error message.

Several sources take their API key in the query string (`?api_key=`, `?OC=`). Every URL
the project stores or logs goes through `redact_url`, which replaces the value of each
secret parameter with `REDACTED`. A source declares its own secret parameters; the
defaults below cover the names APIs commonly use, so a source that forgets still leaks
nothing under the usual names.
"""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED = "REDACTED"
DEFAULT_SECRET_PARAMS = frozenset(
    {"api_key", "apikey", "key", "token", "access_token", "client_secret", "client_id", "password", "secret", "oc"}
)


def redact_url(url: str | None, secret_params=frozenset()) -> str | None:
    """`url` with the value of every secret query parameter replaced (names compared
    without case); userinfo (`user:password@host`) is dropped."""
    if not url or ("?" not in url and "@" not in url):
        return url  # nothing that could hold a secret: the common case, kept cheap
    parts = urlsplit(url)
    secret = {name.lower() for name in (DEFAULT_SECRET_PARAMS | set(secret_params))}
    query = parse_qsl(parts.query, keep_blank_values=True)
    if not any(name.lower() in secret for name, _ in query) and "@" not in parts.netloc:
        return url
    cleaned = urlencode([(name, REDACTED if name.lower() in secret else value) for name, value in query], safe="/:,")
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, host, parts.path, cleaned, parts.fragment))


def redact_text(text: str | None, secrets) -> str | None:
    """`text` with every known secret value (an API key read from the environment) masked."""
    if not text:
        return text
    for value in secrets:
        if value and len(value) >= 4:
            text = text.replace(value, REDACTED)
    return text
