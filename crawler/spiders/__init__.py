"""One spider per source kind; each is configured by a `[[source]]` entry of the sources file."""
