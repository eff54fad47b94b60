"""MOT Miner's ML core: encoder, redaction, taxonomy, heads. No web code lives here."""
