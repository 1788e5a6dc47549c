"""Orchestration: what loads, runs and writes (crawl runs, analysis stages, site watch, workflows)."""
