"""What the API, the pages, the jobs and the CLI share, with no web framework in it (see
docs/ARCHITECTURE.md, "The layers of service/ and the import rule")."""
