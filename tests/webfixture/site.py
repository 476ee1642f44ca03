"""The content of the fixture site: invented articles, feeds and sitemaps, written for these tests."""
from __future__ import annotations

import gzip
from datetime import date, timedelta

ARTICLES = {
    "a1": ("Harbour ferry returns after winter repairs",
           "The Kestrel Bay ferry sailed again on Monday after eleven weeks in dry dock. "
           "Harbour master Ilse Varga said the new propeller shaft had cut fuel use by a fifth."),
    "a2": ("Library extends evening hours for exam season",
           "Readers at the Old Mill library can now stay until ten at night. "
           "Branch manager Tobias Reyes called the change \"a small thing that students asked for loudly\"."),
    "a3": ("Council delays vote on cycle lanes",
           "A vote on painted cycle lanes along Quarry Road was pushed to January. "
           "Councillor Amara Lindqvist said residents needed more time to read the traffic study."),
    "a4": ("Orchard cooperative doubles cider output",
           "The Fenwick orchard cooperative pressed twice as many apples as last year, "
           "helped by a dry September and a borrowed press from the next valley."),
    "a5": ("Night market moves to the railway arches",
           "Stallholders voted to move the Thursday night market under the railway arches, "
           "where the roof keeps out the rain that emptied the square all summer."),
    "a6": ("Volunteer divers clear the canal lock",
           "Six volunteer divers lifted two shopping trolleys and a rusted safe from Lock Four, "
           "which had refused to close fully since August."),
}


def article_page(base: str, slug: str, canonical_path: str | None = None, charset: str = "utf-8") -> str:
    title, body = ARTICLES[slug]
    canonical = f"{base}{canonical_path or f'/news/{slug}.html'}"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="{charset}"><title>{title} | The Kestrel Courier</title>
<link rel="canonical" href="{canonical}"></head>
<body><nav><a href="/">Home</a> | <a href="/news/">News</a> | <a href="/login">Login/Register</a></nav>
<article><h1>{title}</h1><p class="byline">By Courier Staff</p><p>{body}</p></article>
<footer>Share 0 0 | Tags: local | To comment please log in first.</footer></body></html>"""


def latin_page() -> bytes:
    """Declares ISO-8859-1 but is really UTF-8: the kind of page that lies about its encoding."""
    text = ("<html><head><meta http-equiv='Content-Type' content='text/html; charset=iso-8859-1'>"
            "<title>Café owner wins façade award</title></head><body><article><p>The Café Brûlé on "
            "Mill Lane won this year's façade prize; owner Zoë Okafor thanked her naïve first customers."
            "</p></article></body></html>")
    return text.encode("utf-8")


def rss_feed(base: str, today: date, slugs: list[str], old_slug: str | None = None) -> str:
    items = []
    for n, slug in enumerate(slugs):
        published = (today - timedelta(days=n)).strftime("%a, %d %b %Y 08:00:00 GMT")
        link = f"{base}/news/{slug}.html"
        if slug == "a1":  # the feed links with tracking parameters, as real feeds do
            link += "?utm_source=rss&amp;utm_medium=feed"
        items.append(f"<item><title>{ARTICLES[slug][0]}</title><link>{link}</link>"
                     f"<pubDate>{published}</pubDate><author>desk@courier.test (Priya Anand)</author></item>")
    if old_slug:
        items.append(f"<item><title>{ARTICLES[old_slug][0]}</title><link>{base}/news/{old_slug}.html</link>"
                     f"<pubDate>Mon, 02 Mar 2020 08:00:00 GMT</pubDate></item>")
    return (f"<?xml version='1.0'?><rss version='2.0'><channel><title>The Kestrel Courier</title>"
            f"<link>{base}/</link><language>en-gb</language>{''.join(items)}</channel></rss>")


def atom_feed(base: str, today: date) -> str:
    updated = f"{today.isoformat()}T09:30:00Z"
    entries = "".join(
        f"<entry><title>{ARTICLES[slug][0]}</title><link rel='alternate' href='{base}/news/{slug}.html'/>"
        f"<id>urn:courier:{slug}</id><updated>{updated}</updated><author><name>{author}</name></author></entry>"
        for slug, author in (("a5", "Jonas Ferreira"), ("a6", "Mei Tanaka")))
    return (f"<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
            f"<title>Courier Atom</title><id>urn:courier</id><updated>{updated}</updated>{entries}</feed>")


def sitemap_index(base: str, today: date) -> str:
    children = [("/sitemaps/articles.xml.gz", today), ("/sitemaps/news.xml", today),
                ("/sitemaps/archive-2019.xml", date(2019, 12, 31))]
    body = "".join(f"<sitemap><loc>{base}{path}</loc><lastmod>{when.isoformat()}</lastmod></sitemap>"
                   for path, when in children)
    return f"<?xml version='1.0'?><sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{body}</sitemapindex>"


def articles_sitemap_gz(base: str, today: date) -> bytes:
    urls = [(f"{base}/news/a3.html", today), (f"{base}/news/a4.html", today - timedelta(days=1)),
            (f"{base}/news/a1.html", date(2021, 5, 4))]
    body = "".join(f"<url><loc>{loc}</loc><lastmod>{when.isoformat()}</lastmod></url>" for loc, when in urls)
    xml = f"<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{body}</urlset>"
    return gzip.compress(xml.encode())


def news_sitemap(base: str, today: date) -> str:
    return f"""<?xml version='1.0'?>
<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9' xmlns:news='http://www.google.com/schemas/sitemap-news/0.9'>
<url><loc>{base}/news/a6.html</loc><news:news><news:publication><news:name>The Kestrel Courier</news:name>
<news:language>en</news:language></news:publication><news:publication_date>{today.isoformat()}T06:15:00+00:00</news:publication_date>
<news:title>Divers clear Lock Four</news:title></news:news></url>
</urlset>"""


def gzip_bomb(decoded_size: int) -> bytes:
    return gzip.compress(b"\0" * decoded_size, compresslevel=9)
