"""Configuration files and their typed loaders, the one place that reads them: `config.loader` (settings,
sources, 监测方案), `config.sitewatch`, `config.impersonation`, `config.response_rules`, `config.resources`
(dictionary and stopwords); `config.errors` has the one ConfigError and message format. Entry points load;
the layers below receive what they loaded."""
