"""Publishing the atlas: Atom feeds of what changed, dated releases, and exports that say their
licence and how recent they are.

- edition.py: what every publication states about the data it carries: the "as of" moment,
  the licences (ours and each source's) and the how-to-cite line.
- feeds.py: Atom feeds of new and changed laws, provision texts, cases and bills, site-wide,
  per kind and per jurisdiction (`/feeds/all.atom`, `/feeds/cases.atom`, `/feeds/FR.atom`).
- exports.py: every CSV and JSON answer of the site carries the licence and the as-of moment
  (HTTP headers; JSON objects also gain keys).
- site.py: the Datasette hooks that serve the above (registered by crawlers/site/plugin.py).
- release.py and datapackage.py: `sii-atlas release`, a dated folder with a copy of the
  database, one CSV per table that matters, a Frictionless Data Package descriptor, README,
  LICENCE and CITATION files.
"""
