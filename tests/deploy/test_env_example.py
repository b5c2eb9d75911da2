"""Every environment variable the settings read is documented for the server operators."""

import re
from pathlib import Path

from django.conf import settings

BASE = Path(settings.BASE_DIR)
READER = re.compile(r"env_(?:str|bool|int|list|networks)\(\s*\"([A-Z][A-Z0-9_]*)\"")


def variables_read_by_settings() -> set[str]:
    names = set(READER.findall((BASE / "kobepost" / "settings.py").read_text()))
    assert len(names) > 30, "the settings reader pattern found suspiciously few variables"
    return names


def test_env_file_example_lists_every_setting():
    example = (BASE / "deploy" / "kobepost.env.example").read_text()
    listed = set(re.findall(r"^#?([A-Z][A-Z0-9_]*)=", example, flags=re.MULTILINE))
    missing = sorted(variables_read_by_settings() - listed)
    assert not missing, f"deploy/kobepost.env.example lacks {missing}"


def test_env_file_example_lists_the_gunicorn_variables():
    example = (BASE / "deploy" / "kobepost.env.example").read_text()
    gunicorn = set(
        re.findall(r"\"(GUNICORN_[A-Z_]+)\"", (BASE / "deploy" / "gunicorn.conf.py").read_text())
    )
    assert gunicorn
    assert all(f"{name}=" in example for name in gunicorn), gunicorn


def test_readme_table_lists_every_setting():
    readme = (BASE / "README.md").read_text()
    missing = sorted(name for name in variables_read_by_settings() if f"`{name}`" not in readme)
    assert not missing, f"README.md 環境変数 table lacks {missing}"
