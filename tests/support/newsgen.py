"""Made-up but article-shaped HTML pages, as many as a test needs, all different and reproducible.

Each page has site chrome (menu, share bar, footer) around a headline, a byline and paragraphs with
attributed quotes, so it goes through the whole extraction chain, cleaning, NER and quote attribution
like a real page. `seed` fixes the content: the same call writes the same bytes.
"""
from __future__ import annotations

import random
from html import escape
from pathlib import Path

FIRST = ["Amira", "Tomas", "Grace", "Yusuf", "Ingrid", "Mateo", "Priya", "Oskar", "Leila", "Daniel",
         "Sofia", "Kwame", "Hannah", "Ravi", "Elena", "Malik", "Chloe", "Jonas", "Nadia", "Felix"]
LAST = ["Okafor", "Lindqvist", "Moreno", "Haddad", "Brennan", "Tanaka", "Kowalski", "Adeyemi", "Fischer",
        "Duarte", "Nakamura", "Osei", "Petrov", "Gallagher", "Rahman", "Silva", "Novak", "Keller"]
PLACES = ["Millford", "Ashby", "Port Calder", "Redwater", "Eastmoor", "Linton", "Glenhaven", "Brackley",
          "Stonebridge", "Wexham", "Thornbury", "Kelso"]
BODIES = ["the county council", "the regional transport authority", "the harbour board", "the water utility",
          "the teachers' union", "the chamber of commerce", "the health trust", "the planning committee"]
ROLES = ["council leader", "spokeswoman", "chief executive", "union representative", "local resident",
         "head teacher", "project manager", "committee chair"]
TOPICS = [("bridge repairs", "repair"), ("a new bus route", "bus"), ("school meal prices", "meal"),
          ("flood defences", "flood"), ("the harbour expansion", "harbour"), ("library opening hours", "library"),
          ("a housing scheme", "housing"), ("parking charges", "parking"), ("the hospital car park", "hospital")]
VERBS = ["approved", "delayed", "rejected", "reviewed", "funded", "postponed", "expanded", "scrapped"]
QUOTES = ["We have listened to people and this is the right decision for {place}",
          "The money is there, but the timetable is too tight",
          "Nobody wanted this outcome, yet we could not keep waiting",
          "Families in {place} deserve a clear answer before the winter",
          "It will take at least {n} months before anyone sees a difference",
          "We will keep pressing {body} until the work is finished"]


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _chrome(rng: random.Random, number: int, weight: int) -> str:
    """Boilerplate a real page carries around the article: a long menu and a reader-comment thread.

    It makes a page heavier to extract (the DOM grows) without making the article longer."""
    links = "\n".join(f'<li><a href="/section/{i}">{rng.choice(PLACES)} {rng.choice(TOPICS)[1]} news {i}</a></li>'
                       for i in range(weight))
    comments = "\n".join(f'<div class="comment"><span class="who">{_person(rng)}</span> '
                          f'<span class="when">{i % 59} minutes ago</span><p>Comment {number}-{i}: '
                          f'{rng.choice(["Agreed.", "Not again.", "About time!", "Who pays for this?"])}</p>'
                          f'<a href="#reply">Reply</a> <a href="#report">Report</a></div>'
                          for i in range(weight))
    return (f'<div class="sitemap"><ul>{links}</ul></div>\n'
            f'<div id="comments"><h3>Comments</h3>{comments}</div>')


def article(number: int, seed: int = 0, paragraphs: int = 8, chrome: int = 0) -> tuple[str, str]:
    """(headline, html) of article `number`; different numbers give different text.

    `chrome` adds that many menu links and reader comments around the article (slower to extract)."""
    rng = random.Random(f"{seed}:{number}")
    place, body = rng.choice(PLACES), rng.choice(BODIES)
    topic, _ = rng.choice(TOPICS)
    verb = rng.choice(VERBS)
    reporter = _person(rng)
    amount = 1 + number % 97
    headline = f"{place} plan for {topic} {verb} after {amount} objections"
    people = [(_person(rng), rng.choice(ROLES)) for _ in range(3)]
    text = [f"{body.capitalize()} in {place} has {verb} its plan for {topic}, reference {seed}-{number}, "
            f"after {amount} objections were lodged during a consultation that ran for {2 + number % 9} weeks."]
    for index in range(1, paragraphs):
        name, role = people[index % len(people)]
        quote = rng.choice(QUOTES).format(place=place, body=body, n=2 + (number + index) % 11)
        last = name.split()[1]
        text.append(f"The {role}, {name}, said the decision followed months of meetings. "
                    f"\"{quote},\" {last} said on {rng.choice(['Monday', 'Tuesday', 'Wednesday', 'Thursday'])}. "
                    f"Costs were put at {amount * (index + 3)} thousand pounds in paragraph {index} of the report "
                    f"number {number} published by {body}.")
    paragraphs_html = "\n".join(f'<div class="txt"><p>{escape(p, quote=False)}</p></div>' for p in text)
    page = f"""<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{escape(headline)} - {place} Gazette</title>
<meta name="author" content="{escape(reporter)}">
<meta property="og:title" content="{escape(headline)}">
</head>
<body>
<div id="top"><div class="logo">{place} Gazette</div><div class="menu"><a href="/">Home</a> | <a href="/news">News</a> | <a href="/sport">Sport</a> | <a href="/contact">Contact</a></div></div>
<div class="crumbs"><a href="/">Home</a> &gt; <a href="/news">News</a></div>
<div class="headline"><h1>{escape(headline)}</h1></div>
<div class="info">Posted by <a href="/u/{number}">{escape(reporter)}</a> &middot; <span>{number % 13} comments</span></div>
<div class="sharebar"><span>{number % 50}</span> Shares <a href="#">Facebook</a> <a href="#">WhatsApp</a></div>
<div class="entry">
{paragraphs_html}
</div>
<div class="related"><h3>Related</h3><ul><li><a href="/a">Council tax rise agreed</a></li><li><a href="/b">Roadworks on the ring road</a></li></ul></div>
{_chrome(rng, number, chrome) if chrome else ""}
<div id="footer">&copy; 2026 {place} Gazette | <a href="/privacy">Privacy</a> | <a href="/terms">Terms</a></div>
</body>
</html>
"""
    return headline, page


def write_articles(folder: Path, count: int, seed: int = 0, start: int = 0, paragraphs: int = 8,
                   chrome: int = 0) -> list[Path]:
    """Write articles start..start+count-1 as folder/article-NNNNN.html; returns the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(start, start + count):
        _, page = article(number, seed, paragraphs, chrome)
        path = folder / f"article-{number:05d}.html"
        path.write_text(page, encoding="utf-8")
        paths.append(path)
    return paths
