"""Author credits from metadata and bylines: people's names, cleaned of the junk that travels
with them, and organisations (agencies, desks, the site itself) kept apart.

The rules are data: each has a pattern, examples it must act on and counterexamples it must
leave alone, and the tests run all of them (tests/test_authors.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Rule:
    pattern: str
    examples: tuple[str, ...]         # texts the pattern must match
    counterexamples: tuple[str, ...]  # names it must not match
    flags: int = re.I

    @property
    def regex(self) -> re.Pattern[str]:
        return _compiled(self.pattern, self.flags)


_CACHE: dict[tuple[str, int], re.Pattern[str]] = {}


def _compiled(pattern: str, flags: int) -> re.Pattern[str]:
    if (pattern, flags) not in _CACHE:
        _CACHE[pattern, flags] = re.compile(pattern, flags)
    return _CACHE[pattern, flags]


_WEEKDAYS = (
    "monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    "montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|"
    "lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|"
    "lunes|martes|miércoles|jueves|viernes|sábado|domingo"
)
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)

# Removed from a credit before it is split into names: what precedes or follows the names.
STRIP_RULES: dict[str, Rule] = {
    "by_prefix": Rule(
        r"^(?:(?:written|posted|words|story|reporting|text|photos?)\s+)?(?:by|von|par|por|door|av|di)\b\s*:?\s*",
        ("By Lena Ortiz", "by: Paul Kim", "Written by Regan", "Von Klaus Brenner", "Por Ana Ruiz"),
        ("Byron Allen", "Vonda Shepard", "Paris Hilton", "Dina Lee"),
    ),
    "about_prefix": Rule(
        r"^(?:about|sobre|über|à propos de|a proposito di|over)\s+(?:the author\s*:?\s*)?(?=\S)",
        ("About Jane Doe", "Sobre Ana Ruiz", "Über Klaus Brenner", "About the author: Sam Lee"),
        ("Abouba Diallo", "Sobrero Luis", "Overton Kim"),
    ),
    # "Jeff FoustMonday, November 18": a date printed against the name with no space.
    "glued_date": Rule(
        rf"(?<=[a-zà-ÿ])(?:{_WEEKDAYS}|{_MONTHS})\b.*$",
        ("Jeff FoustMonday", "Ann LeeNovember 18, 2019", "Klaus BrennerMontag"),
        ("Ann Mayhew", "Tom Junger", "Lisa Marchetti"),
    ),
    "date_tail": Rule(
        rf"(?:\s(?:on|am|le|el|il|at)\s+)?(?:\b(?:updated|published|posted|publiziert|veröffentlicht|aktualisiert|publié|publicado|pubblicato|{_WEEKDAYS})\b|\b\d{{1,4}}[-/.]\d{{1,2}}[-/.]\d{{1,4}}\b"
        rf"|\b(?:{_MONTHS})[a-z]*\.? \d{{1,2}}(?:st|nd|rd|th)?,? \d{{4}}|\b\d{{1,2}}\.? (?:{_MONTHS})[a-z]*\.?,? \d{{4}}).*$",
        ("Sam Lee Updated 12/03/2021", "Louis Jacobson on Monday, November 18th", "Ann Lee November 18, 2019 at 2:26 PM", "REUTERS 19 NOV 2019",
         "Tom Ray, Monday", "Ana Ruiz 2019-11-18"),
        ("Mary Clare Jalonick", "June Carter", "April Ryan"),
    ),
    "read_time": Rule(r"\b\d+\s*min(?:ute)?s?\s*read\b", ("Sam Lee, 6 min read",), ("Minna Reed",)),
    "contact": Rule(
        r"\S+@\S+|(?:^|\s)@\w+|https?://\S+|www\.\S+|\bfollow\b.*$",
        ("ann@example.org", "Ann Lee @annlee", "Follow @brigitkatz", "www.example.org"),
        ("Ann Follows",),
    ),
    # "Tim Childers - Live Science Contributor", "Jane Doe, AP Sports Writer": a role after a
    # name describes the name; it is not another author.
    "role_tail": Rule(
        r"(?:\s*[,|–—-]\s*|\s+)(?:[\w.'-]+\s+){0,3}?(?:staff |senior |chief |contributing |special )?"
        r"(?:writer|reporter|correspondent|editor|contributor|columnist|intern)s?(?![\w-]).*$",
        ("Tom Krisher, AP Auto Writer", "Tim Childers - Live Science Contributor", "Paul Takahashi, Staff writer",
         "Ana Ruiz, Senior Editor"),
        ("Ann Writers-Lee", "Reporterin Gisela"),
    ),
}

# A credit that is a role, not a name: dropped whole ("Staff Reports", "The Editors").
ROLE_ONLY = Rule(
    r"^(?:the\s+)?(?:staff(?: reports?)?|reports?|interns?|editors?|editorial|newsroom|redaktion|"
    r"rédaction|redacción|redação|admin|administrator|guest|anonymous|unknown|webmaster)$",
    ("Staff Reports", "Staff", "The Editors", "admin", "Redaktion", "Intern"),
    ("Ann Staffa", "Reid Reports-Lee", "Edith Editorson"),
)
# A desk or role of an organisation ("HNN Staff", "HNN Intern", "Jerusalem Post Staff"): what
# remains is the organisation.
DESK = Rule(
    r"\s+(?:staff(?: reports?)?|reports?|interns?|newsroom|desk|editors?|redaktion)$",
    ("HNN Staff", "HNN Intern", "Jerusalem Post Staff", "Metro Desk"),
    ("Ann Staffa", "Tom Desker"),
)
# Words that name organisations, not people ("Telegraph Sport", "CNN Business", "NJ Advance
# Media for NJ.com"); a credit beginning with "The" is never a person's name. Newspaper words
# that are also surnames (Post, Times, Herald) are left out: a paper signing as itself is
# caught by its site name instead. Agencies that sign wire copy are names, not words of any
# language, so they are listed as names.
ORGANISATION = Rule(
    r"^the\s|(?<![\w-])(?:press|news|media|agency|agencies|sports?|business|desk|team|group|network|magazine|"
    r"radio|tv|television|channel|online|inc|ltd|llc|gmbh|corp|company|foundation|institute|university|"
    r"council|ministry|department|coordenadoria|prefeitura|associated|"
    r"reuters|afp|dpa|efe|ansa|xinhua|bloomberg|pti|ians|upi|kyodo|tass|anp|belga)(?![\w-])|\w\.(?:com|org|net)\b",
    ("The Associated Press", "Telegraph Sport", "CNN Business", "NJ Advance Media for NJ.com", "Reuters",
     "PMJS - Coordenadoria de TI", "The Water Coolest", "Example.com"),
    ("Ana Swanson", "Jill Disis", "Theo Press-Lee", "Thea Newsome", "Emily Post", "Sarah E. Needleman"),
)
# A user name rather than a person's name: one token in lower case, or with digits or underscores.
ACCOUNT = Rule(r"^(?:[a-z]\S*|\S*[\d_]\S*)$", ("jdadmin", "gto", "rmb8090", "kei_eno"), ("Regan", "Catherine"), 0)
# An all-capitals token of the kind organisations abbreviate their names to ("RT", "HNN").
ACRONYM = Rule(r"^[A-Z]{2,8}$", ("RT", "HNN", "KWCHCIK"), ("Regan", "Li"), 0)

# Conjunctions in lower case only: "Sarah E. Needleman" is one name.
_SEPARATORS = re.compile(r"\s*(?:,|;|\||&|\b(?:and|And|AND|und|et|y|e)\b|/)\s*")
# "LISA MASCARO Associated Press": a name in capitals, then where the name works.
_CAPITALS_THEN_AFFILIATION = re.compile(r"^((?:[A-Z][A-Z.'-]+\s+)+[A-Z][A-Z.'-]+)\s+([A-Z][a-z].*)$")
# Degrees and credentials written after a name ("Ann Lee, MS, RDN").
_CREDENTIAL = re.compile(r"^(?:[A-Z]{2,4}|Ph\.?D\.?|M\.?D\.?|Jr\.?|Sr\.?)$")
_MAX_NAME_WORDS = 5


@dataclass
class Credits:
    people: list[str] = field(default_factory=list)
    organisations: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.people or self.organisations)


def _strip(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    for rule in STRIP_RULES.values():
        text = rule.regex.sub(" ", text).strip(" -–—·:,.|()[]")
    return re.sub(r"\s+", " ", text).strip(" -–—·:,.|()[]")


def _squash(text: str) -> str:
    return re.sub(r"[\W_]+", "", text).casefold()


def _is_site(name: str, sites: list[str]) -> bool:
    """The site signing as itself: the name is found in the site's name or host ("LinkNaija"
    on linknaija.com, "Jerusalem Post" for "The Jerusalem Post")."""
    squashed = _squash(name)
    return len(squashed) >= 4 and any(squashed in _squash(s) for s in sites if s)


def classify(part: str, sites: list[str]) -> tuple[str, str] | None:
    """("person" | "organisation", cleaned name) for one credited name, None for junk."""
    name = _strip(part)
    if not name or ROLE_ONLY.regex.match(name):
        return None
    desk = DESK.regex.search(name)
    if desk:
        name = name[: desk.start()].strip()
    if desk or ORGANISATION.regex.search(name) or ACRONYM.regex.match(name) or _is_site(name, sites):
        return "organisation", name.title() if name.isupper() and " " in name else name
    if ACCOUNT.regex.match(name) or not re.search(r"[^\W\d_]", name):
        return None
    if any(ch.isdigit() for ch in name) or len(name.split()) > _MAX_NAME_WORDS:
        return None
    # Bylines in capitals ("TOM KRISHER") are names, not acronyms.
    return "person", name.title() if name.isupper() and len(name) > 4 else name


def _parts(credit: str) -> list[str]:
    text = _strip(credit)
    if text.lower().startswith("the "):  # "The Russian and Syrian defense ministries": one body
        return [text]
    # "Foust, Jeff": two single words around one comma are one inverted name, not two authors.
    inverted = re.fullmatch(r"([^\W\d_][\w'-]+),\s*([^\W\d_][\w.'-]+)", text)
    if inverted and not ORGANISATION.regex.search(text):
        return [f"{inverted.group(2)} {inverted.group(1)}"]
    parts = []
    for part in (p.strip() for p in _SEPARATORS.split(text) if p and p.strip()):
        capitals = _CAPITALS_THEN_AFFILIATION.match(part)
        parts.extend(capitals.groups() if capitals else [part])
    return parts


def clean_credits(raws: list[str], sites: list[str] | None = None) -> Credits:
    """Split joint bylines, clean each name, sort people from organisations, drop duplicates
    (case-insensitive, order kept). `sites`: the site's name and host, which an author
    credit naming the site itself is an organisation of."""
    credits = Credits()
    seen: set[str] = set()
    for raw in raws:
        for position, part in enumerate(_parts(raw)):
            # A role in a later part ("Jane Doe, AP Sports Writer") describes the name before it.
            if position > 0 and (STRIP_RULES["role_tail"].regex.match(" " + part) or _CREDENTIAL.match(part)):
                continue
            found = classify(part, sites or [])
            # "Victor Tangermann, Futurism": one word after a full name is where the name works.
            if found and found[0] == "person" and position > 0 and len(found[1].split()) == 1:
                found = ("organisation", found[1])
            if found and found[1].casefold() not in seen:
                seen.add(found[1].casefold())
                (credits.people if found[0] == "person" else credits.organisations).append(found[1])
    return credits


def clean_authors(raws: list[str], sites: list[str] | None = None) -> list[str]:
    """The people among the credits."""
    return clean_credits(raws, sites).people
