"""How docs/screenshots/journey-zh.png is made: the journey map of 300 外卖 reviews, in Simplified
Chinese, served by EmbeddingGemma (the encoder that reads Chinese; MiniLM gives these reviews no
touchpoint). The browser tests draw the same page with MiniLM, to test it, not to show it.

    HF_HUB_OFFLINE=1 .venv/bin/python docs/screenshots/journey_zh.py --data-dir ../shared/data

Needs `mot encoders install embeddinggemma-300m`, Debian chromium and a CJK font (fonts-noto-cjk).
On a 2-core CPU it takes a few minutes: the food_delivery pack is warmed first, and only that
pack and the reviews are encoded before the picture.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import uvicorn
from playwright.sync_api import sync_playwright

from service.local_server import free_port
from service.main import create_app
from service.settings import Settings

HERE = Path(__file__).resolve().parent
LATEST = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)


def reviews(data_dir: Path, count: int) -> list[dict]:
    """Every k-th review of the file, spread over the two weeks before LATEST."""
    with (data_dir / "zh" / "waimai_10k.csv").open(newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["review"].strip()]
    chosen = rows[:: max(len(rows) // count, 1)][:count]
    minutes = 14 * 24 * 60 // len(chosen)
    return [
        {
            "id": f"waimai-{i}",
            "text": row["review"][:2000],
            "source": "waimai",
            "created_at": (LATEST - timedelta(minutes=i * minutes + 1)).isoformat(),
        }
        for i, row in enumerate(chosen)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--out", type=Path, default=HERE / "journey-zh.png")
    args = parser.parse_args()
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="mot-journey-zh-"))
    settings = Settings(
        encoder="embeddinggemma-300m",
        database_url=f"sqlite:///{folder / 'mot.db'}",
        default_taxonomy="food_delivery",  # warmed before the server answers; the other packs after
        auth=False,
        host="127.0.0.1",
        port=port,
        request_timeout_s=600,
    )
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.2)
    url = f"http://127.0.0.1:{port}"
    items = reviews(args.data_dir, args.count)
    with httpx.Client(base_url=url, timeout=600) as client:
        for begin in range(0, len(items), 50):
            batch = {"taxonomy": "food_delivery", "comments": items[begin : begin + 50]}
            client.post("/v1/comments", json=batch).raise_for_status()
            print(f"stored {min(begin + 50, len(items))} of {len(items)}", flush=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium)
        page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
        page.goto(f"{url}/ui/?taxonomy=food_delivery&source=waimai&days=7&end={LATEST.date().isoformat()}")
        height = min(page.evaluate("document.documentElement.scrollHeight"), 1400)
        page.screenshot(path=args.out, full_page=True, clip={"x": 0, "y": 0, "width": 1280, "height": height})
        browser.close()
    server.should_exit = True
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
