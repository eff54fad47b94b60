"""Per-key rate limits: a token bucket per key, in this process's memory.

One process serves the API (the encoder holds the CPU), so an in-memory bucket is exact; running
several workers would give each its own buckets (documented beside MOT_RATE_LIMIT_PER_SECOND).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass
class RateLimiter:
    per_second: float  # 0: no limit
    burst: int
    _buckets: dict[str, _Bucket] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, key: str) -> int:
        """Spend one request of `key`'s allowance: 0 if allowed, else the seconds to wait."""
        if self.per_second <= 0:
            return 0
        now = time.monotonic()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(tokens=float(self.burst), updated=now)
            bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.updated) * self.per_second)
            bucket.updated = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return 0
            return max(1, math.ceil((1 - bucket.tokens) / self.per_second))
