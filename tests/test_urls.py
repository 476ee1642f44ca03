"""One choice of the URL an article is known by, made in one place for fetching and extraction."""
from pipeline.extract import extract_html
from pipeline.fetch.client import FetchResult
from pipeline.sources.pages import document_url
from pipeline.urls import article_url

BODY = ("<p>The river authority in Lowmere opened a second flood barrier on Friday, three years after "
        "the winter floods, its chief engineer Noor Haddad said at the site.</p><p>The barrier can be "
        "raised in forty minutes and protects about two hundred homes on the east bank.</p>")


def page(head: str) -> str:
    return f"<html lang='en'><head><title>Second flood barrier opens</title>{head}</head><body><article>" \
           f"<h1>Second flood barrier opens</h1>{BODY}</article></body></html>"


def test_declared_canonical_wins_resolved_and_cleaned():
    assert article_url(["/news/barrier.html?utm_source=x"], "https://courier.example/n/123") == \
        "https://courier.example/news/barrier.html"
    assert article_url([None, "", "#top", "mailto:x@y.z", "https://courier.example/a"], "https://courier.example/b") == \
        "https://courier.example/a"


def test_a_canonical_pointing_at_the_front_page_is_ignored():
    assert article_url(["https://courier.example/"], "https://courier.example/news/1.html") == \
        "https://courier.example/news/1.html"
    assert article_url(["https://courier.example/"], None) is None, "a local file gets its id from its content"
    assert article_url(["https://courier.example/"], "https://courier.example/") == "https://courier.example/"


def test_fetching_and_extraction_choose_the_same_way():
    html = page('<link rel="canonical" href="https://courier.example/">')
    fetched = FetchResult("https://courier.example/news/1.html", "https://courier.example/news/1.html",
                          200, None, headers={}, body=html.encode())
    assert document_url(fetched, "https://courier.example/news/1.html") == "https://courier.example/news/1.html"
    assert extract_html(html, url="https://courier.example/news/1.html").url == "https://courier.example/news/1.html"
    assert extract_html(html).url is None
    declared = page('<link rel="canonical" href="https://courier.example/news/barrier">')
    assert extract_html(declared).url == "https://courier.example/news/barrier"
