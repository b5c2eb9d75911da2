"""Regenerate tickets/geo/data/kobe_towns.csv from jp-prefecture's nationwide town table.

jp-prefecture (and its pandas) is a development dependency only: the running app reads the
small committed extract, never the package.
"""

import csv
import importlib.util
import io
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tickets.geo.places import TOWNS_CSV, TOWNS_CSV_FIELDS, WARD_NAMES_JA, town_sort_key

HEADER_COMMENT = (
    "# 神戸市の町丁目代表点。出典: Geolonia 住所データ (CC BY 4.0, 国土交通省「位置参照情報」"
    "を基に作成) を収録した jp-prefecture の towns.csv から manage.py build_kobe_towns で抽出。"
    "詳細は README.md。\n"
)


def default_source() -> Path | None:
    # find_spec locates the package without importing it (its __init__ imports pandas).
    spec = importlib.util.find_spec("jp_prefecture")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "towns.csv"


def kobe_rows(source: Path) -> list[dict[str, str]]:
    rows = []
    with source.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            city_code = row["cityCode"].zfill(5)
            if city_code not in WARD_NAMES_JA:
                continue
            rows.append(
                {
                    "ward_code": city_code,
                    "ward_name": WARD_NAMES_JA[city_code],
                    "town": row["town"].strip(),
                    "lat": f"{float(row['latitude']):.6f}",
                    "lng": f"{float(row['longitude']):.6f}",
                }
            )
    rows.sort(key=lambda r: (r["ward_code"], town_sort_key(r["town"])))
    return rows


def render_csv(rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    buffer.write(HEADER_COMMENT)
    writer = csv.DictWriter(buffer, fieldnames=TOWNS_CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


class Command(BaseCommand):
    help = (
        "jp-prefecture の町丁目データから神戸市9区の抜粋 tickets/geo/data/kobe_towns.csv を"
        "作り直します（開発時のみ。実行時はこの抜粋だけを読みます）。"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--source", type=Path, help="towns.csv (既定: jp-prefecture 同梱)")
        parser.add_argument("--output", type=Path, default=TOWNS_CSV, help="出力先")
        parser.add_argument(
            "--check",
            action="store_true",
            help="書き込まず、出力先が最新かどうかだけを確かめます（違えば終了コード1）。",
        )

    def handle(self, *args, source: Path | None, output: Path, check: bool, **options) -> None:
        source = source or default_source()
        if source is None or not source.exists():
            raise CommandError(
                "jp-prefecture の towns.csv が見つかりません。開発用依存関係を入れてください"
                "（uv sync）。または --source で指定してください。"
            )
        rows = kobe_rows(source)
        if len(rows) < 1000:
            raise CommandError(f"神戸市の町丁目が {len(rows)} 件しかありません: {source}")
        text = render_csv(rows)
        if check:
            current = output.read_text(encoding="utf-8") if output.exists() else ""
            if current != text:
                raise CommandError(
                    f"{output} は最新ではありません。build_kobe_towns を実行してください。"
                )
            self.stdout.write(f"{output} は最新です（{len(rows)} 件）。")
            return
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(f"{output} に {len(rows)} 件を書きました。"))
