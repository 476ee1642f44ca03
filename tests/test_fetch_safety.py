"""The guards of the fetcher, one by one: URL canonicalisation, SSRF, decompression limits, content checks."""
from __future__ import annotations

import gzip
import zlib

import brotli
import pytest

from pipeline.fetch.content import detect_encoding, find_rel_canonical, is_html_media_type
from pipeline.fetch.robots import rules_from_response
from pipeline.fetch.safety import BoundedDecoder, FetchRefused, gunzip_bounded, resolve_public_address
from pipeline.fetch.client import retry_after_seconds
from pipeline.fetch.settings import FetchSettings
from pipeline.urls import canonicalize_url


@pytest.mark.parametrize("raw, canonical", [
    ("HTTP://Example.COM:80/news/story.html?utm_source=x&id=7&fbclid=abc#top", "http://example.com/news/story.html?id=7"),
    ("https://example.com:443", "https://example.com/"),
    ("https://example.com:8443/a//b?gclid=1&UTM_Campaign=y", "https://example.com:8443/a/b"),
    ("https://example.com/p?b=2&a=1&mc_cid=9", "https://example.com/p?b=2&a=1"),
    ("ftp://example.com/file", None),
    ("/relative/path", None),
    ("http://[::1]:8080/x", "http://[::1]:8080/x"),
])
def test_canonicalize_url(raw, canonical):
    assert canonicalize_url(raw) == canonical


@pytest.mark.parametrize("host", ["10.0.0.1", "169.254.169.254", "127.0.0.1", "192.168.1.20", "::1",
                                  "100.64.0.1", "0.0.0.0", "localhost"])
def test_private_loopback_link_local_and_metadata_destinations_are_refused(host):
    with pytest.raises(FetchRefused) as refused:
        resolve_public_address(host, 80, allow_private=())
    assert refused.value.reason == "ssrf_blocked"


def test_allow_private_exempts_named_hosts_and_blocks_only():
    assert resolve_public_address("127.0.0.1", 80, ("127.0.0.1",)) == "127.0.0.1"
    assert resolve_public_address("10.1.2.3", 80, ("10.0.0.0/8",)) == "10.1.2.3"
    with pytest.raises(FetchRefused):
        resolve_public_address("10.1.2.3", 80, ("127.0.0.1",))


def test_public_address_is_allowed():
    assert resolve_public_address("93.184.215.14", 443, ()) == "93.184.215.14"


def raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


@pytest.mark.parametrize("encoding, compress", [
    ("gzip", gzip.compress), ("deflate", zlib.compress), ("deflate", raw_deflate), ("br", brotli.compress),
])
def test_bounded_decoder_decodes_within_limit_and_refuses_bombs(encoding, compress):
    page = b"<html><body>" + b"quiet news day " * 200 + b"</body></html>"
    data = compress(page)
    assert b"".join(BoundedDecoder(encoding, 100_000).feed(data[i:i + 100]) for i in range(0, len(data), 100)) == page
    bomb = compress(b"\0" * 5_000_000)
    decoder = BoundedDecoder(encoding, 100_000)
    with pytest.raises(FetchRefused) as refused:
        for i in range(0, len(bomb), 1024):
            decoder.feed(bomb[i:i + 1024])
    assert refused.value.reason == "decompression_bomb"
    assert decoder.produced <= 100_000 + 1


def test_gunzip_bounded_for_sitemaps():
    assert gunzip_bounded(gzip.compress(b"<urlset/>"), 1000) == b"<urlset/>"
    with pytest.raises(FetchRefused):
        gunzip_bounded(gzip.compress(b" " * 10_000), 1000)


def test_corrupt_stream_is_bad_encoding_not_a_crash():
    with pytest.raises(FetchRefused) as refused:
        BoundedDecoder("gzip", 1000).feed(b"\x1f\x8bnot really gzip at all")
    assert refused.value.reason == "bad_encoding"


def test_detect_encoding_sees_through_a_wrong_declaration():
    utf8 = "<html><head><meta charset='iso-8859-1'></head><body>Zoë’s café</body></html>".encode("utf-8")
    assert detect_encoding("text/html; charset=iso-8859-1", utf8) == "utf-8"
    latin = "<html><body>Zoë's café</body></html>".encode("latin-1")
    assert detect_encoding("text/html; charset=utf-8", latin) == "cp1252"
    assert detect_encoding("text/html; charset=windows-1251", "Новости".encode("cp1251")) == "cp1251"
    assert detect_encoding("text/html", b"<html>plain ascii</html>") == "utf-8"


def test_rel_canonical_and_media_types():
    page = b"<head><link href='/news/x.html?utm_source=a' rel='canonical'><link rel=alternate href=/rss></head>"
    assert find_rel_canonical(page, "https://site.test/print/x") == "https://site.test/news/x.html?utm_source=a"
    assert find_rel_canonical(b"<head><title>t</title></head>", "https://site.test/") is None
    assert is_html_media_type("application/xhtml+xml; charset=utf-8") and not is_html_media_type("application/json")


def test_robots_rules_follow_rfc_9309():
    rules = rules_from_response(200, b"User-agent: *\nDisallow: /private/\nCrawl-delay: 3\n")
    assert rules.allows("https://s.test/news/1", "AnyBot") and not rules.allows("https://s.test/private/1", "AnyBot")
    assert rules.crawl_delay("AnyBot") == 3
    assert rules_from_response(404, b"").allows("https://s.test/private/1", "AnyBot")
    assert not rules_from_response(503, b"").allows("https://s.test/news/1", "AnyBot")
    assert rules_from_response(503, b"").unavailable and not rules_from_response(404, b"").unavailable
    assert not rules_from_response(None, b"").allows("https://s.test/news/1", "AnyBot")


def test_retry_after_parsing():
    assert retry_after_seconds("7") == 7
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_settings_from_yaml_mapping_with_defaults():
    settings = FetchSettings.from_dict({"user_agent": "X/1", "timeout": 3, "allow_private": ["127.0.0.1"],
                                        "something_new": 1})
    assert settings.user_agent == "X/1" and settings.connect_timeout == settings.read_timeout == 3.0
    assert settings.allow_private == ("127.0.0.1",) and settings.extra == {"something_new": 1}
    assert FetchSettings.from_dict(None).max_redirects == FetchSettings().max_redirects
