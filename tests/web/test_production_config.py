"""ZI_ENV=production refuses a start that would only fail later, with one line naming the setting."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from zi_assess import create_app
from zi_assess.config import EXIT_CONFIG, ConfigurationError

SECRET = "s" * 48
PRODUCTION = {"ENV": "production", "SECRET_KEY": SECRET, "DATABASE_URL": "postgresql://zi@db.invalid/zi",
              "SECURE_COOKIES": True}
EXE = str(Path(sys.executable).with_name("zi-assess"))


def _clean_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """The test process's environment without any ZI_ setting, plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZI_")}
    return env | {"ZI_INSTANCE_PATH": str(tmp_path / "instance")} | settings


@pytest.mark.parametrize(("missing", "named"), [
    ({"SECRET_KEY": None}, "ZI_SECRET_KEY"),
    ({"SECRET_KEY": "short"}, "ZI_SECRET_KEY"),
    ({"DATABASE_URL": "sqlite:////tmp/zi.db"}, "ZI_DATABASE_URL"),
    ({"SECURE_COOKIES": False}, "ZI_SECURE_COOKIES"),
])
def test_create_app_refuses_each_missing_production_setting(tmp_path, missing, named):
    with pytest.raises(ConfigurationError) as info:
        create_app(PRODUCTION | missing | {"INSTANCE_PATH": str(tmp_path)})
    message = str(info.value)
    assert named in message and "\n" not in message
    assert not (tmp_path / "secret_key").exists()  # production never invents a key


def test_a_complete_production_configuration_starts_and_writes_no_secret(tmp_path):
    app = create_app(PRODUCTION | {"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SECRET_KEY"] == SECRET and app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["LOG_FORMAT"] == "json"  # the production default
    assert not (tmp_path / "secret_key").exists()


def test_development_keeps_its_generated_secret_in_the_instance_folder(tmp_path):
    first = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": None})
    second = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": None})
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == (tmp_path / "secret_key").read_text()
    assert first.config["LOG_FORMAT"] == "text"


@pytest.mark.parametrize(("settings", "named"), [
    ({}, "ZI_SECRET_KEY"),
    ({"ZI_SECRET_KEY": SECRET}, "ZI_DATABASE_URL"),
    ({"ZI_SECRET_KEY": SECRET, "ZI_DATABASE_URL": "postgresql://zi@db.invalid/zi"}, "ZI_SECURE_COOKIES"),
    ({"ZI_SECRET_KEY": SECRET, "ZI_DATABASE_URL": "postgresql://zi@db.invalid/zi", "ZI_SECURE_COOKIES": "true",
      "ZI_TIMEZONE": "Asia/Jakartaa"}, "ZI_TIMEZONE"),
    ({"ZI_SECRET_KEY": SECRET, "ZI_DATABASE_URL": "postgresql://zi@db.invalid/zi", "ZI_SECURE_COOKIES": "true",
      "ZI_PROXY_COUNT": "-1"}, "ZI_PROXY_COUNT"),
])
def test_db_upgrade_refuses_at_once_with_one_line(tmp_path, settings, named):
    out = subprocess.run([EXE, "db", "upgrade"], env=_clean_env(tmp_path, ZI_ENV="production", **settings),
                         capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert out.returncode == EXIT_CONFIG, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and named in lines[0] and lines[0].startswith("zi-assess: configuration error:"), lines
    assert not (tmp_path / "instance").exists()  # nothing was created before the refusal


def test_unknown_environment_name_is_refused(tmp_path):
    with pytest.raises(ConfigurationError, match="ZI_ENV"):
        create_app({"ENV": "prod", "INSTANCE_PATH": str(tmp_path)})


def test_report_timezone_is_still_read_as_the_old_name_of_timezone(tmp_path):
    app = create_app({"REPORT_TIMEZONE": "Asia/Makassar", "INSTANCE_PATH": str(tmp_path)})
    assert app.config["TIMEZONE"] == "Asia/Makassar"
    assert create_app({"INSTANCE_PATH": str(tmp_path)}).config["TIMEZONE"] == "Asia/Jakarta"
