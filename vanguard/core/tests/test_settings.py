import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def run_check(**env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("VANGUARD_") and k != "DJANGO_SETTINGS_MODULE"}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run_check()
    assert result.returncode != 0
    assert "VANGUARD_SECRET_KEY" in result.stderr


def test_production_with_keys_starts_with_debug_off():
    result = run_check(VANGUARD_SECRET_KEY="x" * 50, VANGUARD_FIELD_KEY="y" * 32, VANGUARD_ALLOWED_HOSTS="example.org")
    assert result.returncode == 0, result.stderr
    probe = subprocess.run(
        [sys.executable, "-c", "import django;django.setup();from django.conf import settings;print(settings.DEBUG)"],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "vanguard.settings",
            "VANGUARD_DEMO": "",
            "VANGUARD_DEBUG": "",
            "VANGUARD_SECRET_KEY": "x" * 50,
            "VANGUARD_FIELD_KEY": "y" * 32,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert probe.stdout.strip() == "False", probe.stderr
