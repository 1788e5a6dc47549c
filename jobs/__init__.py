"""Orchestration: what loads, runs and writes. Each job is a plain function taking loaded settings (or
values from them) and an engine, owning its transactions, reading and writing through `store`, calling
pure `analysis` functions, and returning a small result record: crawl runs (`jobs.crawl`), analysis
stage 1 and 2 (`jobs.analysis`), site discovery, checks and watch (`jobs.sitewatch`), and the event and
candidate workflows (`jobs.workflows`); the scheduler that runs them all on their cadences (`jobs.scheduler`,
children via `jobs.runner`, adapters in `jobs.tasks`) and the distributed crawl worker (`jobs.worker`)."""
