"""Security settings: headers, production checks, sessions, login throttling, CSRF, and no
form or serializer taking every field of a model."""

from __future__ import annotations

import ast
import datetime as dt
import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from gradepath.testing.personas import PASSWORD

pytestmark = pytest.mark.django_db

PACKAGE_DIR = Path(__file__).resolve().parents[2]  # .../gradepath
GRADEPATH = Path(sys.executable).with_name("gradepath")


# --- Headers ----------------------------------------------------------------------------------


def _assert_security_headers(response) -> None:
    csp = response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp
    assert "'unsafe-eval'" not in csp
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_login_page_sends_the_security_headers(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    _assert_security_headers(response)
    assert "Strict-Transport-Security" not in response  # GRADEPATH_HTTPS is off in development


def test_signed_in_pages_and_the_api_send_the_security_headers(personas, client):
    client.force_login(personas.staff_member.user)
    for url in (reverse("people:home"), reverse("api:person-list")):
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_security_headers(response)


def _run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    # A clean environment, as a production host would have: nothing from this test run
    # (GRADEPATH_*, DATABASE_URL, DJANGO_* such as DJANGO_ALLOW_ASYNC_UNSAFE set for browser tests).
    environment = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")}
    environment.update(env)
    return subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True,
                          timeout=120, check=False)


HTTPS_PROBE = """
import json, os, django
os.environ["DJANGO_SETTINGS_MODULE"] = "gradepath.config.settings"
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
from django.conf import settings
client = Client()
secure = client.get("/healthz", secure=True)
plain = client.get("/accounts/login/")
print(json.dumps({
    "hsts": secure.headers.get("Strict-Transport-Security"),
    "plain_status": plain.status_code,
    "plain_location": plain.headers.get("Location"),
    "session_cookie": settings.SESSION_COOKIE_NAME,
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
    "csrf_cookie_secure": settings.CSRF_COOKIE_SECURE,
}))
"""


def test_https_mode_sends_hsts_and_redirects_plain_http(tmp_path):
    result = _run_python(HTTPS_PROBE, GRADEPATH_HTTPS="1", GRADEPATH_DATA_DIR=str(tmp_path),
                         GRADEPATH_ALLOWED_HOSTS="testserver")
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout.strip().splitlines()[-1])
    assert facts["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert facts["plain_status"] == 301
    assert facts["plain_location"] == "https://testserver/accounts/login/"
    assert facts["session_cookie"] == "__Host-sessionid"
    assert facts["session_cookie_secure"] is True
    assert facts["csrf_cookie_secure"] is True


def _production_env(tmp_path) -> dict[str, str]:
    return {
        "GRADEPATH_ENV": "production",
        "GRADEPATH_SECRET_KEY": secrets.token_urlsafe(60),
        "GRADEPATH_ALLOWED_HOSTS": "gradepath.example.ac.uk",
        "GRADEPATH_DATA_DIR": str(tmp_path),
    }


def test_check_deploy_passes_with_production_settings(tmp_path):
    code = "from gradepath.manage import main; import sys; sys.argv = ['gradepath', 'check', '--deploy', '--fail-level', 'WARNING']; main()"
    result = _run_python(code, **_production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = _production_env(tmp_path)
    del env["GRADEPATH_SECRET_KEY"]
    result = _run_python("import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'gradepath.config.settings'; "
                         "django.setup()", **env)
    assert result.returncode != 0
    assert "GRADEPATH_SECRET_KEY" in result.stderr


def test_production_never_turns_on_demo_mode(tmp_path):
    probe = ("import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'gradepath.config.settings'; "
             "django.setup(); from django.conf import settings; print(settings.DEMO_MODE, settings.DEBUG)")
    result = _run_python(probe, GRADEPATH_DEMO="1", **_production_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False"]


# --- Sessions ---------------------------------------------------------------------------------


def _sign_in(client: Client, username: str, password: str = PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_signing_in_starts_a_new_session_key(personas, client):
    session = client.session
    session["before_login"] = True
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    old_key = session.session_key
    response = _sign_in(client, personas.staff_member.user.username)
    assert response.status_code == 302
    assert client.session.session_key != old_key
    assert client.session["_auth_user_id"] == str(personas.staff_member.user.pk)
    assert not Session.objects.filter(session_key=old_key).exists()


def _age_session(client: Client, **seconds_ago: int) -> None:
    session = client.session
    now = int(time.time())
    for key, ago in seconds_ago.items():
        session[key] = now - ago
    session.save()


def test_idle_for_more_than_30_minutes_signs_you_out(personas, client):
    client.force_login(personas.staff_member.user)
    assert client.get(reverse("people:home")).status_code == 200
    _age_session(client, gp_last_seen=31 * 60)
    response = client.get(reverse("people:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"])
    assert "You were signed out because the page was left unused for a while." in page.content.decode()


def test_idle_for_less_than_30_minutes_keeps_you_signed_in(personas, client):
    client.force_login(personas.staff_member.user)
    client.get(reverse("people:home"))
    _age_session(client, gp_last_seen=29 * 60)
    assert client.get(reverse("people:home")).status_code == 200


def test_twelve_hours_after_signing_in_you_are_signed_out_even_if_active(personas, client):
    client.force_login(personas.staff_member.user)
    client.get(reverse("people:home"))
    _age_session(client, gp_login_at=12 * 3600 + 60, gp_last_seen=60)
    response = client.get(reverse("api:person-list"))
    assert response.status_code == 401
    assert client.session.get("gp_expired") == "max_age"


def test_session_cookie_is_http_only_and_same_site(personas, client):
    response = _sign_in(client, personas.staff_member.user.username)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == 12 * 3600


# --- Login throttling (django-axes) -----------------------------------------------------------


def test_five_wrong_passwords_pause_signing_in_with_a_clear_message(personas, client):
    username = personas.staff_member.user.username
    for _ in range(4):
        response = _sign_in(client, username, "wrong-password")
        assert response.status_code == 200  # the form again, with its error
    response = _sign_in(client, username, "wrong-password")
    assert response.status_code == 429
    text = response.content.decode()
    assert "Signing in is paused for a few minutes" in text
    assert "Your account is not locked permanently" in text
    # Even the right password is refused during the pause.
    response = _sign_in(client, username)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_signing_in_works_again_after_the_cool_off(personas, client):
    username = personas.staff_member.user.username
    for _ in range(5):
        _sign_in(client, username, "wrong-password")
    assert _sign_in(client, username).status_code == 429
    # The cool-off passes (15 minutes by default): age the recorded attempts beyond it.
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - dt.timedelta(seconds=1))
    response = _sign_in(client, username)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(personas.staff_member.user.pk)


def test_a_lock_on_one_account_does_not_lock_another(personas, client):
    for _ in range(5):
        _sign_in(client, personas.staff_member.user.username, "wrong-password")
    assert _sign_in(client, personas.line_manager.user.username).status_code == 302


# --- CSRF -------------------------------------------------------------------------------------


def test_post_without_a_csrf_token_is_refused(personas):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.fm_hps.user)
    revoke = reverse("api:delegation-revoke", args=[personas.delegation.pk])
    assert client.post(revoke).status_code == 403
    assert client.post(reverse("people:delegation-revoke", args=[personas.delegation.pk])).status_code == 403
    assert client.post(reverse("logout")).status_code == 403
    personas.delegation.refresh_from_db()
    assert personas.delegation.revoked_at is None
    assert "_auth_user_id" in client.session


def test_post_with_the_csrf_token_is_accepted(personas):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.fm_hps.user)
    client.get(reverse("people:home"))  # sets the CSRF cookie
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(reverse("api:delegation-revoke", args=[personas.delegation.pk]), HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200
    personas.delegation.refresh_from_db()
    assert personas.delegation.revoked_at is not None


def test_login_form_needs_a_csrf_token(personas):
    client = Client(enforce_csrf_checks=True)
    response = _sign_in(client, personas.staff_member.user.username)
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


# --- No form or serializer takes every field ------------------------------------------------------


def every_field_uses(source: str) -> list[str]:
    """Places in ``source`` that hand a form, serializer or admin every field of a model:
    ``fields = "__all__"``, any ``exclude = ...`` in a Meta class, or ``fields="__all__"`` /
    ``exclude=`` passed to a factory such as modelform_factory."""
    found = []
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for stmt in node.body:
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target] if isinstance(
                    stmt, ast.AnnAssign) else []
                names = {t.id for t in targets if isinstance(t, ast.Name)}
                value = getattr(stmt, "value", None)
                if "fields" in names and isinstance(value, ast.Constant) and value.value == "__all__":
                    found.append(f"line {stmt.lineno}: fields = '__all__' in {node.name}")
                if "exclude" in names and node.name == "Meta":
                    found.append(f"line {stmt.lineno}: exclude in Meta")
        elif isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg == "fields" and isinstance(keyword.value, ast.Constant) and keyword.value.value == "__all__":
                    found.append(f"line {node.lineno}: fields='__all__' passed to a call")
                if keyword.arg == "exclude" and isinstance(node.func, (ast.Name, ast.Attribute)) and (
                        getattr(node.func, "id", "") or getattr(node.func, "attr", "")).endswith("_factory"):
                    found.append(f"line {node.lineno}: exclude= passed to a factory")
    return found


def test_the_scanner_finds_every_kind_of_all_fields():
    sample = '''
class PersonForm(forms.ModelForm):
    class Meta:
        model = Person
        fields = "__all__"

class PersonSerializer(serializers.ModelSerializer):
    class Meta:
        model = Person
        exclude = ["id"]

Form = modelform_factory(Person, fields="__all__")
Other = modelform_factory(Person, exclude=["id"])

class Fine(forms.ModelForm):
    class Meta:
        model = Person
        fields = ["known_as"]
'''
    assert len(every_field_uses(sample)) == 4


def test_no_form_or_serializer_in_the_codebase_takes_every_field():
    offenders = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        relative = path.relative_to(PACKAGE_DIR)
        if {"tests", "migrations"} & set(relative.parts) or relative.name.startswith("test_"):
            continue
        found = every_field_uses(path.read_text(encoding="utf-8"))
        if found:
            offenders[str(relative)] = found
    assert not offenders, f"List the fields explicitly instead: {offenders}"
