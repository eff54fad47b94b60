"""MOT Miner's service: FastAPI app, storage, command line."""
