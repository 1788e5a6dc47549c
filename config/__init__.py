"""Configuration files (YAML) and their typed loader; see `config.loader`."""
