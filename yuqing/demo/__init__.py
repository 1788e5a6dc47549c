"""The offline demo: a generated corpus of audit 舆情 and the local websites that serve it to the real spiders."""

from __future__ import annotations

from yuqing.demo.corpus import Corpus, DemoDoc, build_corpus
from yuqing.demo.sites import DemoSites, write_sources_yaml

__all__ = ["Corpus", "DemoDoc", "DemoSites", "build_corpus", "write_sources_yaml"]
