"""Korea: articles of statutes as Korean decisions and law.go.kr's 참조조문 cite them.

  "성폭력범죄의 처벌 등에 관한 특례법 제14조의2 제1항", "성폭력처벌법 제14조의2, 제14조의3",
  "「성폭력범죄의 처벌 등에 관한 특례법」 제14조의2", "형법 제30조, 제37조",
  "구 성폭력범죄의 처벌 등에 관한 특례법(2020. 5. 19. 법률 제17264호로 개정되기 전의 것) 제14조의2 제1항, 제4항",
  "같은 법 제14조의3 제1항", "같은 조 제2항"

An act's key is its name without spaces or middle dots ("KR:성폭력범죄의처벌등에관한특례법"), so
law.go.kr's and our files' spellings meet; the usual short names (성폭력처벌법, 청소년성보호법)
are aliases. A label is written as law.go.kr's article keys and our curated labels are:
제14조의2 -> "14-2", 제14조의2 제1항 -> "14-2(1)", 제2조 제5호 -> "2(5)".

An act is recognised before an article by its full name when we know it (names can run
to eight words: the words before them are ordinary prose), else by the one word before
the article when that word is a law's name (형법, 전기통신사업법). "같은 법" and "동법" name
the act cited just before; "같은 조 제2항" a paragraph of the article cited just before.
"""

import re

from .base import Citation

JURISDICTIONS = ("KR",)

#: Full names of the acts decisions on the subject apply (compact form), and short names.
KNOWN = ("성폭력범죄의처벌등에관한특례법", "아동청소년의성보호에관한법률", "정보통신망이용촉진및정보보호등에관한법률",
         "성폭력방지및피해자보호등에관한법률", "개인정보보호법", "전기통신사업법", "형법", "형사소송법", "민법",
         "공직선거법", "청소년보호법")
ALIASES = {"성폭력처벌법": "성폭력범죄의처벌등에관한특례법", "성폭법": "성폭력범죄의처벌등에관한특례법",
           "청소년성보호법": "아동청소년의성보호에관한법률", "아청법": "아동청소년의성보호에관한법률",
           "정보통신망법": "정보통신망이용촉진및정보보호등에관한법률", "성폭력방지법": "성폭력방지및피해자보호등에관한법률"}
SAME_ACT = ("같은법", "동법")
#: Words that end many law names but name none alone.
GENERIC = ("법", "법률", "특례법", "시행령", "시행규칙")

ARTICLE = re.compile(r"제\s*(?P<number>\d+)\s*조(?:\s*의\s*(?P<branch>\d+))?")
#: What may stand between an act's name and its first article: a note on the version.
VERSION_NOTE = r"(?:\s*\([^()]{0,120}\))?"
# The words before an article: Hangul, spaces, middle dots and the 「」 of a quoted name.
BEFORE = re.compile(rf"(?P<before>[가-힣ㆍ·・「」 ]{{1,80}}?){VERSION_NOTE}\s*(?=제\s*\d+\s*조)")
PIN = re.compile(r"(?:\s*제\s*(?P<paragraph>\d+)\s*항)?(?:\s*제\s*(?P<item>\d+)\s*호)?")
HEADING = re.compile(r"\s*\([^()]{0,60}\)")
SEPARATOR = re.compile(r"\s*(?:,|및|또는|·|ㆍ)\s*")
PARAGRAPH_ONLY = re.compile(r"제\s*(?P<paragraph>\d+)\s*항(?:\s*제\s*(?P<item>\d+)\s*호)?")
#: "같은 조 제2항": a paragraph of the article cited just before.
SAME_ARTICLE = re.compile(r"(?:같은\s*조|동조)\s*제\s*(?P<paragraph>\d+)\s*항(?:\s*제\s*(?P<item>\d+)\s*호)?")


def compact(name: str) -> str:
    return re.sub(r"[\sㆍ·・「」]", "", name or "")


def act_of(before: str, previous: str | None) -> tuple[str | None, int]:
    """The key of the act named by the words just before an article (or None), and how
    many characters at the end of `before` name it."""
    quoted = re.search(r"(?:구\s*)?「([^「」]+)」\s*$", before)
    if quoted:
        name = compact(quoted.group(1))
        return f"KR:{ALIASES.get(name, name)}", len(before) - quoted.start()
    words = list(re.finditer(r"\S+", before))

    def named(size: int) -> int:
        first = words[-size]
        # 구 X법: the former version of X, still X (and part of the span).
        if len(words) > size and words[-size - 1].group(0) == "구":
            first = words[-size - 1]
        return len(before) - first.start()

    for size in range(min(len(words), 9), 0, -1):
        name = compact("".join(w.group(0) for w in words[-size:]))
        if name in KNOWN or name in ALIASES:
            return f"KR:{ALIASES.get(name, name)}", named(size)
    if not words:
        return None, 0
    last = compact(words[-1].group(0))
    if compact("".join(w.group(0) for w in words[-2:])) in SAME_ACT:
        return previous, named(2)
    if last in SAME_ACT:
        return previous, named(1)
    if last.endswith(("법", "법률", "령", "규칙")) and last not in GENERIC and len(last) > 1:
        return f"KR:{ALIASES.get(last, last)}", named(1)
    return None, 0


def label_of(number: str, branch: str | None, paragraph: str | None, item: str | None) -> str:
    label = str(int(number)) + (f"-{int(branch)}" if branch else "")
    return label + "".join(f"({int(part)})" for part in (paragraph, item) if part)


def extract(text: str, jurisdiction: str = "KR") -> list[Citation]:
    found: list[Citation] = []
    previous = None
    position = 0
    while True:
        match = BEFORE.search(text, position)
        if match is None:
            break
        before = match.group("before").rstrip()
        act, length = act_of(before, previous)
        start = match.start("before") + len(before) - length
        cursor = match.end()
        article = ARTICLE.match(text, cursor)
        labels: list[str] = []
        while article is not None:
            number, branch = article.group("number"), article.group("branch")
            cursor = article.end()
            pin = PIN.match(text, cursor)
            labels.append(label_of(number, branch, pin.group("paragraph"), pin.group("item")))
            cursor = pin.end()
            # "제14조의2 제1항, 제4항": more paragraphs of the same article.
            while True:
                separator = SEPARATOR.match(text, cursor)
                more = PARAGRAPH_ONLY.match(text, separator.end()) if separator else None
                if more is None:
                    break
                labels.append(label_of(number, branch, more.group("paragraph"), more.group("item")))
                cursor = more.end()
            heading = HEADING.match(text, cursor)  # 제14조의2(허위영상물 등의 반포등)
            if heading and not ARTICLE.search(heading.group(0)):
                cursor = heading.end()
            separator = SEPARATOR.match(text, cursor)
            article = ARTICLE.match(text, separator.end()) if separator else None
        if act:
            span = text[start:cursor]
            found.extend(Citation(act, label, span, start, cursor) for label in labels)
            previous = act
        position = max(cursor, match.end())
    for match in SAME_ARTICLE.finditer(text):
        before = [c for c in found if c.end <= match.start() and c.label]
        if before:
            article = before[-1].label.split("(")[0]
            label = article + "".join(f"({int(p)})" for p in (match.group("paragraph"), match.group("item")) if p)
            found.append(Citation(before[-1].act, label, match.group(0), match.start(), match.end()))
    return sorted(found, key=lambda c: c.start)


def instrument_keys(title: str, citation: str | None, jurisdiction: str) -> set[str]:
    """An instrument titled by an act's name alone (no article) is that act."""
    name = compact(re.split(r"[(\[]|제\s*\d+\s*조", title or "", maxsplit=1)[0])
    if name in KNOWN or name in ALIASES:
        return {f"KR:{ALIASES.get(name, name)}"}
    return set()
