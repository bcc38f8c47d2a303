"""The application factory under each configuration."""
from __future__ import annotations

import pytest

import config as config_module
from hotline import create_app


def test_default_config_uses_instance_sqlite_and_embedded_redis(monkeypatch, tmp_path):
    monkeypatch.setenv("HOTLINE_INSTANCE", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    app = create_app("default")
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'hotline.db'}"
    assert app.config["REDIS_URL"] == f"unix://{tmp_path / 'redis.sock'}"
    assert app.config["TIMEZONE"] == "Asia/Shanghai"
    assert not app.testing


def test_secret_key_is_generated_once_and_kept(monkeypatch, tmp_path):
    monkeypatch.setenv("HOTLINE_INSTANCE", str(tmp_path))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = create_app("default").config["SECRET_KEY"]
    second = create_app("default").config["SECRET_KEY"]
    assert first == second and len(first) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_environment_switches_to_real_servers(monkeypatch, tmp_path):
    monkeypatch.setenv("HOTLINE_INSTANCE", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db.example:5432/hotline")
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/2")
    app = create_app("default")
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db.example:5432/hotline"
    assert app.config["REDIS_URL"] == "redis://cache:6379/2"
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://cache:6379/2"


def test_test_config_is_testing(monkeypatch, tmp_path):
    monkeypatch.setenv("HOTLINE_INSTANCE", str(tmp_path))
    app = create_app("test")
    assert app.testing and app.config["WTF_CSRF_ENABLED"]


def test_production_config_refuses_to_start_without_servers_and_secret(monkeypatch, tmp_path):
    monkeypatch.setenv("HOTLINE_INSTANCE", str(tmp_path))
    for name in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(RuntimeError, match="DATABASE_URL, REDIS_URL, SECRET_KEY"):
        create_app("production")


def test_production_config_with_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("HOTLINE_INSTANCE", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db/hotline")
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/0")
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    app = create_app("production")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SECRET_KEY"] == "s" * 40


def test_unknown_config_name_is_an_error():
    with pytest.raises(RuntimeError, match="unknown HOTLINE_CONFIG"):
        config_module.load("staging")
