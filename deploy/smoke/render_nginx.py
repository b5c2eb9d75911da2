"""Render deploy/nginx/kobepost.conf for the smoke test: high ports, temporary paths.

Every replacement must match at least once, so the smoke test breaks (instead of silently
testing something else) when the production file's paths change.
Usage: render_nginx.py WORKDIR STAFF_HTTPS_PORT HTTP_PORT GUNICORN_PORT TILE_PORT
"""

import re
import sys
from pathlib import Path

PRODUCTION_CONF = Path(__file__).resolve().parent.parent / "nginx" / "kobepost.conf"


def render(work: Path, https_port: int, http_port: int, app_port: int, tile_port: int) -> str:
    text = PRODUCTION_CONF.read_text()
    # IPv6 listeners are dropped: CI machines may have no ::1.
    text, dropped = re.subn(r"^\s*listen \[::\]:\d+.*\n", "", text, flags=re.MULTILINE)
    if not dropped:
        raise SystemExit("render: no IPv6 listen lines found")
    replacements = [
        ("listen 443 ", f"listen 127.0.0.1:{https_port} "),
        ("listen 80", f"listen 127.0.0.1:{http_port}"),
        ("server 127.0.0.1:8000;", f"server 127.0.0.1:{app_port};"),
        ("/etc/kobepost/tls/", f"{work}/tls/"),
        ("/etc/kobepost/nginx/staff-networks.conf", f"{work}/nginx/staff-networks.conf"),
        ("/etc/kobepost/nginx/pbx-networks.conf", f"{work}/nginx/pbx-networks.conf"),
        ("/var/lib/kobepost/static/", f"{work}/static/"),
        ("/var/cache/nginx/kobepost-tiles", f"{work}/nginx/tiles-cache"),
        ("/var/log/nginx/kobepost/", f"{work}/logs/nginx-"),
        ("resolver 192.0.2.53", "resolver 127.0.0.1"),
        (
            "proxy_pass https://cyberjapandata.gsi.go.jp/",
            f"proxy_pass http://127.0.0.1:{tile_port}/",
        ),
    ]
    for old, new in replacements:
        if old not in text:
            raise SystemExit(f"render: {old!r} not found in {PRODUCTION_CONF}")
        text = text.replace(old, new)
    return text


def main() -> None:
    work = Path(sys.argv[1])
    https_port, http_port, app_port, tile_port = (int(value) for value in sys.argv[2:6])
    (work / "nginx").mkdir(parents=True, exist_ok=True)
    (work / "nginx" / "kobepost.conf").write_text(
        render(work, https_port, http_port, app_port, tile_port)
    )


if __name__ == "__main__":
    main()
