"""Production settings pass `check --deploy`; they refuse to start without a secret."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, env):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def production_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "ALLOWED_HOSTS"))}
    env.update(DJANGO_SETTINGS_MODULE="portal.settings.production", ALLOWED_HOSTS="quorum.example.cn",
               DJANGO_SECRET_KEY="k" * 20 + "-production-secret-with-enough-entropy-9f3a7c1e", **extra)
    return env


def test_check_deploy_prints_no_warning():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    env.pop("DJANGO_SECRET_KEY")
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_defaults_are_shanghai_and_chinese_first():
    from django.conf import settings

    assert settings.TIME_ZONE == "Asia/Shanghai" and settings.USE_TZ
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _name in settings.LANGUAGES] == ["zh-hans", "en"]
    assert settings.AUTH_USER_MODEL == "portal.User"


def test_audit_ip_trusts_only_the_proxy_appended_entry(rf, settings):
    from portal.middleware import client_ip

    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9", REMOTE_ADDR="10.0.0.2")
    settings.QUORUM_TRUSTED_PROXIES = 0
    assert client_ip(request) == "10.0.0.2"
    settings.QUORUM_TRUSTED_PROXIES = 1
    assert client_ip(request) == "203.0.113.9"  # not the forgeable 6.6.6.6
