"""Load, fault and benchmark tools behind `mot load`, `mot faults`, `mot bench`, `mot bench-ui`:
the service never imports them, and the Docker image leaves them out."""
