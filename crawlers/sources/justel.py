"""Justel: Belgium's consolidated legislation on eJustice (SPF Justice / Moniteur belge).

Base URL: https://www.ejustice.just.fgov.be
Pages used (HTML only; there is no public API):
    /eli/loi/{y}/{m}/{d}/{NUMAC}/justel    a text as consolidated, in French
    /eli/wet/{y}/{m}/{d}/{NUMAC}/justel    the same text in Dutch
    /eli/loi/{y}/{m}  and  /eli/wet/{y}/{m}    the ELI list of the texts of one month
    (The older `cgi_loi/change_lg.pl?language=fr&la=F&cn=...` and
    `cgi_loi/article.pl?language=fr&numac_search=...` pages show the same texts.)
Licence:  official acts are not protected by copyright (Code de droit économique, art.
          XI.172, § 2); the consolidations are published by the SPF Justice for free reuse.
Terms:    no key, no published rate limit or robots rule for these pages. We send one
          request at a time, 2 s apart.

What the spider does:
(a) tracked instruments: each curated Belgian instrument whose source is `justel` names
    the consolidated text its key provisions now stand in by NUMAC and date
    (`source_identifier: "1867/06/08/1867060850"`, the Code pénal, where the 2022
    sexual-offences reform put arts. 417/8-417/10) and each key provision by its article
    number (`key: "417/8"`). The text is read in French and in Dutch: one ProvisionItem
    per article and language, under the curated id (carried in the request). The page's
    own metadata describes the host text (the 1867 Code), not the curated instrument
    (the 2022 law), so a tracked page yields provisions only; parsed alone it yields the
    text as an instrument too. A key article the page lacks is a tracked failure.
(b) discovery: the ELI month lists (this month and the previous one, or from `--since`)
    in both languages; every text whose title names the subject in French or Dutch
    (`DISCOVERY_TERMS`) is a CandidateItem, never a tracked instrument.

Where the format knowledge comes from. NO REAL CAPTURE of eJustice exists in
/work/shared/samples, and none was found in public repositories. The example files in
tests/examples/justel/ are ours, written to the page structure public scrapers rely on:
the current layout (a TypeScript Justel parser of 2025-26: the title in
`.list-item--title`, labelled facts in `.plain-text` blocks "Source :", "Publication :",
"Numéro :", "Dossier numéro :", "Entrée en vigueur :" / "Bron :", "Inwerkingtreding :",
the text in `#list-title-3`, each article opened by an anchor `<a name="Art.417/8">`,
lines broken by `<br>`; month lists as table rows "N | DATE. - Title ... Publié le
DD-MM-YYYY | <a href=".../justel">Justel</a>") and the error pages openjusticebe's
be_law_tools recognises ("Aide ELI" for an address that names no text, "(NOTE : pas de
texte disponible)" / "(NOTA : geen tekst beschikbaar)", "La version intégrale et
consolidée de ce texte n'est pas disponible." / "De geconsolideerde versie van deze tekst
is niet beschikbaar."). The wording of the articles in the examples is our rendering for
the tests, not checked against eJustice; the NUMAC 1867060850 and the Code's title
"8 JUIN 1867. - CODE PENAL 1867." are as public scrapers cite them.
Format notes the parser relies on:
- An article runs from its anchor to the next article's anchor. Justel marks the words an
  amendment inserted or replaced as "[1 ...]1" and lists the amendments after a line of
  dashes: "(1)<Inséré par L 2022-03-21/05, art. 22, 047; En vigueur : 01-06-2022>".
  The markers and the notes are editorial: the text keeps the law's words only; the
  latest "En vigueur : DD-MM-YYYY" of the notes is the date from which the wording
  shown applies (`valid_from`); an article "<Abrogé par ...>" / "<Opgeheven bij ...>"
  is repealed from its date. An article without notes keeps its first wording, which
  applies from the text's own entry into force ("Entrée en vigueur :" of the page).
- An HTML page without the text section (an error page, a text Justel does not hold in
  consolidated form) is a failure with the page's own words, never an empty result.
"""

import re
from datetime import date
from urllib.parse import urlsplit

import scrapy
from bs4 import BeautifulSoup, NavigableString, Tag

from ..items import CandidateItem, InstrumentItem, PageError, ProvisionItem
from .contract import Auth, SourceContract
from .spider import SourceSpider, clean

SOURCE = "justel"
OFFICIAL = "https://www.ejustice.just.fgov.be"
JURISDICTION = "BE"
#: Each language's ELI word for a law and the language it is in.
LANGUAGES = {"loi": "fr", "wet": "nl"}

#: The subject's words in French and Dutch, matched at the start of a word in titles.
DISCOVERY_TERMS = (
    "voyeurisme", "à caractère sexuel", "droit pénal sexuel", "hypertrucage", "deepfake", "image intime",
    "images intimes", "pornographie", "seksuele", "seksueel strafrecht", "beelden", "kinderpornografie",
    "cyberharcèlement", "harcèlement",
)
TERM_PATTERNS = [(term, re.compile(r"(?<!\w)" + re.escape(term))) for term in DISCOVERY_TERMS]

IDENTIFIER = re.compile(r"^(\d{4})/(\d{2})/(\d{2})/([0-9A-Z]{10})$")
JUSTEL_PATH = re.compile(r"^/eli/(loi|wet)/(\d{4})/(\d{2})/(\d{2})/([0-9A-Z]{10})/justel$")
ARTICLE_ANCHOR = re.compile(r"^Art\.?\s*(.+)$")
IN_FORCE = re.compile(r"(?:En vigueur|Inwerkingtreding)\s*:\s*(\d{2})-(\d{2})-(\d{4})")
REPEALED = re.compile(r"^<\s*(Abrogé|Opgeheven)\b", re.IGNORECASE)
MARKERS = re.compile(r"\[\d+\s*|\s*\]\d+")
NOTES_RULE = re.compile(r"^-{4,}$")
#: Headings of the code's divisions, which stand in the text between two articles.
DIVISION = re.compile(r"^(LIVRE|TITRE|CHAPITRE|Section|Sous-section|BOEK|TITEL|HOOFDSTUK|Afdeling|Onderafdeling)\b")
FRENCH_MONTHS = {"JANVIER": 1, "FEVRIER": 2, "FÉVRIER": 2, "MARS": 3, "AVRIL": 4, "MAI": 5, "JUIN": 6,
                 "JUILLET": 7, "AOUT": 8, "AOÛT": 8, "SEPTEMBRE": 9, "OCTOBRE": 10, "NOVEMBRE": 11,
                 "DECEMBRE": 12, "DÉCEMBRE": 12}
DUTCH_MONTHS = {"JANUARI": 1, "FEBRUARI": 2, "MAART": 3, "APRIL": 4, "MEI": 5, "JUNI": 6, "JULI": 7,
                "AUGUSTUS": 8, "SEPTEMBER": 9, "OKTOBER": 10, "NOVEMBER": 11, "DECEMBER": 12}
TITLE_DATE = re.compile(r"^(\d{1,2})(?:ER)?\s+([A-ZÉÛ]+)\s+(\d{4})\.?\s*-\s*", re.IGNORECASE)
#: The eJustice pages that say there is no text to show, in both languages.
NO_TEXT = ("Aide ELI", "pas de texte disponible", "geen tekst beschikbaar",
           "version intégrale et consolidée de ce texte n'est pas disponible",
           "geconsolideerde versie van deze tekst is niet beschikbaar")


class JustelError(ValueError):
    """A page that is not a Justel text or list."""


def justel_url(identifier: str, word: str = "loi") -> str | None:
    """"1867/06/08/1867060850" -> the text's Justel page in the language of `word`."""
    match = IDENTIFIER.match((identifier or "").strip().strip("/"))
    return f"{OFFICIAL}/eli/{word}/{identifier.strip().strip('/')}/justel" if match else None


def month_url(word: str, year: int, month: int) -> str:
    return f"{OFFICIAL}/eli/{word}/{year}/{month:02d}"


def default_instrument_id(numac: str) -> str:
    return f"be-numac-{numac.lower()}"


def iso_from_dashes(value: str | None) -> str | None:
    """"01-06-2022" -> "2022-06-01"."""
    match = re.match(r"^(\d{2})-(\d{2})-(\d{4})$", (value or "").strip())
    return f"{match.group(3)}-{match.group(2)}-{match.group(1)}" if match else None


def title_date(title: str) -> str | None:
    """"8 JUIN 1867. - CODE PENAL" -> "1867-06-08" (French or Dutch month names)."""
    match = TITLE_DATE.match(title or "")
    if not match:
        return None
    month = FRENCH_MONTHS.get(match.group(2).upper()) or DUTCH_MONTHS.get(match.group(2).upper())
    return f"{match.group(3)}-{month:02d}-{int(match.group(1)):02d}" if month else None


# --------------------------------------------------------------------------- the text page


def soup_of(response) -> BeautifulSoup:
    body = response.body
    if not body or not body.strip():
        raise JustelError(f"empty body where a Justel page was expected at {response.url}")
    if body.lstrip()[:1] in (b"{", b"["):
        raise JustelError(f"not an HTML page at {response.url} (starts {body[:40]!r})")
    return BeautifulSoup(body, "lxml")


def refuse_empty_page(soup, url: str, what: str):
    """Raise with eJustice's own words when the page says it has no text."""
    words = " ".join(soup.get_text(" ").split())
    said = next((phrase for phrase in NO_TEXT if phrase.lower() in words.lower()), None)
    if said:
        raise JustelError(f"eJustice has no {what} at {url}: page says {said!r}")
    heading = clean(soup.title.get_text()) if soup.title else None
    raise JustelError(f"no {what} on the page at {url} (title {heading!r})")


def plain_facts(soup) -> dict:
    """The labelled facts of the page ("Numéro : 1867060850") as {label: value}."""
    facts = {}
    for block in soup.select(".plain-text"):
        for line in block.get_text("\n").split("\n"):
            label, sep, value = line.partition(":")
            if sep and clean(label) and clean(value):
                facts.setdefault(clean(label).lower(), clean(value))
    return facts


def article_runs(section) -> list[tuple[str, list[str]]]:
    """[(article number, its lines)] in page order: an article runs from its anchor
    (`<a name="Art.417/8">`) to the next one; `<br>` ends a line."""
    articles: list[tuple[str, list[str]]] = []
    current: list[str] | None = None
    line: list[str] = []

    def end_line():
        if current is not None:
            text = clean("".join(line))
            if text:
                current.append(text)
        line.clear()

    for node in section.descendants:
        if isinstance(node, Tag):
            anchor = node.get("name") if node.name == "a" else None
            match = ARTICLE_ANCHOR.match(anchor or "")
            if match:
                end_line()
                current = []
                articles.append((match.group(1).strip(), current))
            elif node.name in ("br", "p", "div", "h2", "h3"):
                end_line()
        elif isinstance(node, NavigableString) and current is not None:
            if node.parent is not None and node.parent.name in ("script", "style"):
                continue
            line.append(str(node))
    end_line()
    return articles


def article_parts(lines: list[str]) -> tuple[str, str | None, list[str]]:
    """(label, text, notes) of one article's lines: "Art. 417/8." opens the first line;
    the notes follow a line of dashes; amendment markers leave the text."""
    notes_at = next((i for i, line in enumerate(lines) if NOTES_RULE.match(line)), len(lines))
    body, notes = lines[:notes_at], lines[notes_at + 1:]
    while body and DIVISION.match(body[-1]):
        body = body[:-1]
    label = None
    if body:
        match = re.match(r"^(Art(?:icle|ikel)?\.?\s*[^\s.]+)\.?\s*(.*)$", body[0])
        if match:
            label, body = match.group(1), ([match.group(2)] if match.group(2) else []) + body[1:]
    text = "\n".join(clean(MARKERS.sub("", line)) or "" for line in body).strip() or None
    return label or "", text, notes


def parse_text(response):
    """A Justel text page: the key articles (meta `keys`), else the text and every article."""
    soup = soup_of(response)
    section = soup.find(id="list-title-3")
    if section is None or not section.find("a", attrs={"name": ARTICLE_ANCHOR}):
        refuse_empty_page(soup, response.url, "consolidated text")
    path = urlsplit(response.url).path
    match = JUSTEL_PATH.match(path)
    if not match:
        raise JustelError(f"not a Justel text address: {response.url}")
    word, numac = match.group(1), match.group(5)
    language = LANGUAGES[word]
    facts = plain_facts(soup)
    instrument_id = response.meta.get("instrument_id") or default_instrument_id(numac)
    today = response.meta.get("today") or date.today().isoformat()
    runs = {number: lines for number, lines in article_runs(section)}
    wanted = [str(key) for key in response.meta.get("keys") or []]
    if not wanted:
        yield instrument_from(soup, facts, numac, response.url, language, instrument_id)
    for number in wanted or list(runs):
        lines = runs.get(number)
        if lines is None:
            yield PageError(url=response.url, status=response.status, kind="parse", tracked=True,
                            reason=f"Art. {number} not found in the Justel text {numac} ({language})")
            continue
        yield provision_from(number, lines, instrument_id, response.url, language, today,
                             text_in_force=iso_from_dashes(facts.get("entrée en vigueur") or facts.get("inwerkingtreding")))


def provision_from(number: str, lines: list[str], instrument_id: str, url: str, language: str,
                   today: str, text_in_force: str | None = None) -> ProvisionItem:
    label, text, notes = article_parts(lines)
    dates = sorted(f"{m.group(3)}-{m.group(2)}-{m.group(1)}" for note in notes + [text or ""]
                   for m in IN_FORCE.finditer(note))
    # No amendment note: the article still reads as the text first enacted it.
    valid_from = dates[-1] if dates else text_in_force
    if text and REPEALED.match(text):
        status = "repealed" if not valid_from or valid_from <= today else "in_force"
    elif valid_from and valid_from > today:
        status = "prospective"
    else:
        status = "in_force"
    return ProvisionItem(
        id=f"{instrument_id}/{number}",
        instrument_id=instrument_id,
        label=label or f"Art. {number}",
        text=text,
        language=language,
        url=f"{url}#Art.{number}",
        in_force_status=status,
        valid_from=valid_from,
        source=SOURCE,
    )


def instrument_from(soup, facts: dict, numac: str, url: str, language: str, instrument_id: str) -> InstrumentItem:
    title_element = soup.select_one(".list-item--title")
    title = clean(title_element.get_text(" ")) if title_element else None
    in_force = facts.get("entrée en vigueur") or facts.get("inwerkingtreding")
    return InstrumentItem(
        id=instrument_id,
        jurisdiction=JURISDICTION,
        title=title or f"NUMAC {numac}",
        citation=f"NUMAC {numac}",
        kind="statute",
        date_enacted=title_date(title or ""),
        date_in_force=iso_from_dashes(in_force),
        official_url=url,
        language=language,
        source=SOURCE,
        identifiers=[{"scheme": "NUMAC", "value": numac}, {"scheme": "ELI", "value": url.removesuffix("/justel")}],
    )


# --------------------------------------------------------------------------- the month lists


def parse_month(response):
    """An ELI month list: the texts whose title names the subject, as candidates."""
    soup = soup_of(response)
    links = [a for a in soup.find_all("a", href=True) if JUSTEL_PATH.search(urlsplit(a["href"]).path)]
    if not links:
        words = " ".join(soup.get_text(" ").split())
        # A month without any text is a table without rows; anything else is not a list.
        if soup.find("table") is not None and "justel" not in words.lower() and not any(
                phrase.lower() in words.lower() for phrase in NO_TEXT):
            return
        refuse_empty_page(soup, response.url, "ELI list")
    since = response.meta.get("since")
    for link in links:
        match = JUSTEL_PATH.search(urlsplit(link["href"]).path)
        row = link.find_parent("tr")
        cells = row.find_all("td") if row else []
        described = cells[1] if len(cells) >= 2 else (row or link.parent)
        words = clean(described.get_text(" ")) or ""
        title = clean(re.split(r"Publié le|Gepubliceerd op|Source\s*:|Bron\s*:", words)[0]) or words
        lowered = title.lower()
        matched = [term for term, pattern in TERM_PATTERNS if pattern.search(lowered)]
        if not matched:
            continue
        published = re.search(r"(?:Publié le|Gepubliceerd op)\s*:?\s*(\d{2}-\d{2}-\d{4})", words)
        published = iso_from_dashes(published.group(1)) if published else None
        if since and published and published < since:
            continue
        numac = match.group(5)
        yield CandidateItem(
            id=default_instrument_id(numac),
            jurisdiction=JURISDICTION,
            title=title,
            url=f"{OFFICIAL}{urlsplit(link['href']).path}",
            published=published or f"{match.group(2)}-{match.group(3)}-{match.group(4)}",
            matched_query=", ".join(matched),
            source=SOURCE,
        )


# --------------------------------------------------------------------------- spider


DECLARATION = SourceContract(
    id=SOURCE,
    name="Justel: législation consolidée / geconsolideerde wetgeving (Belgium, SPF Justice, eJustice)",
    kind="legislation",
    base_url=OFFICIAL,
    licence="Official acts, not protected by copyright (Code de droit économique art. XI.172 § 2)",
    licence_url="https://www.ejustice.just.fgov.be/cgi/welcome.pl",
    terms_url="https://www.ejustice.just.fgov.be/cgi/welcome.pl",
    rate_limit_text="none published; one request at a time, 2 s apart",
    rate_limit=None,
    download_delay=2.0,
    deadline_seconds=3600,
    auth=Auth.none(),
    parser_version="1",
    parser_meta=("instrument_id", "keys", "since", "today"),
    notes="HTML pages by ELI (/eli/loi/... French, /eli/wet/... Dutch), read with BeautifulSoup; discovery from the "
          "ELI month lists. No real capture: page structure from public scrapers.",
    curated_instrument_id=None,
)


class JustelSpider(SourceSpider):
    contract = DECLARATION
    routes = [
        (r"^/eli/(loi|wet)/\d{4}/\d{2}/\d{2}/[0-9A-Z]{10}/justel$", parse_text),
        (r"^/eli/(loi|wet)/\d{4}/\d{2}$", parse_month),
    ]

    def tracked_requests(self):
        count = 0
        for instrument in self.tracked:
            identifier = str(instrument.get("source_identifier") or "").strip()
            keys = [str(p["key"]) for p in instrument.get("provisions") or [] if p.get("key")]
            if not justel_url(identifier) or not keys:
                self.logger.warning("justel: %s has no NUMAC path or no keys (%r)", instrument.get("id"), identifier)
                continue
            for word in LANGUAGES:
                if self.limit is not None and count >= self.limit:
                    return
                count += 1
                yield self.request(justel_url(identifier, word), tracked=True, instrument_id=instrument["id"],
                                   keys=keys).replace(dont_filter=True)

    def discovery_requests(self):
        today = date.today()
        months = [(today.year, today.month), (today.year - (today.month == 1), (today.month - 2) % 12 + 1)]
        if self.since and self.since < today:
            months = []
            year, month = today.year, today.month
            while (year, month) >= (self.since.year, self.since.month) and len(months) < 12:
                months.append((year, month))
                year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        for word in LANGUAGES:
            for year, month in months:
                yield self.request(month_url(word, year, month), **self.since_meta())
