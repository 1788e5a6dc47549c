"""Turn a fetched page into what the monitor keeps: decode its bytes, then read an article (title, time,
author, media, body, language) or a candidate site's evidence out of it.

Pure functions, no Scrapy, one module per concern (the trafilatura layout). Body extraction runs two
extractors and keeps the better-looking result: our own block-density extractor (GNE / readability
family: it scores every container by the punctuated, non-link text inside it and penalises link and menu
text), and trafilatura. Metadata comes from meta tags and JSON-LD first, then the visible text next to
the headline, then the URL. Nothing here raises on bad input: missing pieces come back as None or "" and
`problems` lists what went wrong.

    core            extract_article: the one orchestrating function
    encoding        bytes -> text (BOM, declared and meta charsets, sniffing)
    htmlprocessing  lenient parsing, the page's visible text cut into lines
    body            main text: the density extractor, trafilatura, the choice between them
    metadata        <meta> tags, itemprop and JSON-LD as the page declares them
    title           the headline
    dates           time strings -> aware datetimes, and the page's publication time
    byline          the author
    media           the source media (来源)
    language        the text's language
    utils           whitespace, character classes, boilerplate lines
    sitecheck       a candidate site's evidence for the impersonation check
"""

from __future__ import annotations

from crawler.extract.core import MAX_HTML_CHARS, extract_article
from crawler.extract.dates import parse_datetime
from crawler.extract.encoding import decode_html, decode_html_detailed

__all__ = ["decode_html", "decode_html_detailed", "extract_article", "parse_datetime", "MAX_HTML_CHARS"]
