"""Stands in for cyberjapandata.gsi.go.jp in the smoke test (CI has no internet).

Serves a 1×1 PNG for /xyz/std/{z}/{x}/{y}.png and appends each requested path to a log
file, so the smoke test can prove that nginx's tile cache answered the second request.
Usage: fake_tiles.py PORT LOGFILE
"""

import base64
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg=="
)


class TileHandler(BaseHTTPRequestHandler):
    log_path: Path

    def do_GET(self) -> None:
        with self.log_path.open("a") as log:
            log.write(f"{self.path} host={self.headers.get('Host')}\n")
        if not self.path.startswith("/xyz/std/") or not self.path.endswith(".png"):
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(PNG)))
        self.send_header("Cache-Control", "no-cache")  # nginx must cache anyway
        self.end_headers()
        self.wfile.write(PNG)

    def log_message(self, format: str, *args) -> None:
        pass


def main() -> None:
    TileHandler.log_path = Path(sys.argv[2])
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), TileHandler).serve_forever()


if __name__ == "__main__":
    main()
