"""HTTP plumbing shared by api/ and ui/: middleware, error answers, ids in paths, downloads,
the API reference pages."""
