"""The production stack of docker-compose.yml (issue 16): nginx in front of a gunicorn that is
not published, the client's address believed only from nginx, the cache's Redis bounded and
evicting apart from the broker's, and health checks that get 200.

No Docker engine runs here: the file is parsed, and nginx's configuration is checked with the
real `nginx -t` when nginx is installed (`apt-get install nginx-light`; skipped otherwise).
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
TEMPLATE = ROOT / "deploy" / "nginx" / "default.conf.template"


def command_flags(service: str) -> dict[str, str]:
    args = SERVICES[service]["command"]
    return {a[2:]: b for a, b in zip(args, args[1:], strict=False) if a.startswith("--")}


def test_only_nginx_is_published_and_gunicorn_is_reached_through_it():
    published = {name for name, s in SERVICES.items() if s.get("ports")}
    assert published == {"nginx"}
    assert {p.split(":")[-1] for p in SERVICES["nginx"]["ports"]} == {"80", "443"}
    assert SERVICES["web"]["expose"] == ["8000"]
    assert SERVICES["nginx"]["environment"]["UPSTREAM"] == "web:8000"
    mounts = " ".join(SERVICES["nginx"]["volumes"])
    assert "deploy/nginx/default.conf.template:/etc/nginx/templates/" in mounts
    assert "TLS_CERT_DIR" in mounts  # certificates come from a directory of the operator's


def test_the_client_address_is_believed_only_from_nginxs_fixed_address():
    nginx_address = SERVICES["nginx"]["networks"]["app"]["ipv4_address"]
    subnet = COMPOSE["networks"]["app"]["ipam"]["config"][0]["subnet"]
    assert nginx_address.rsplit(".", 1)[0] == subnet.rsplit(".", 1)[0]
    for name in ("web", "worker", "beat"):
        assert SERVICES[name]["environment"]["TRUSTED_PROXIES"] == nginx_address
    conf = TEMPLATE.read_text()
    # nginx replaces whatever the client sent with the address it saw.
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in conf
    assert "$proxy_add_x_forwarded_for" not in conf


def test_the_cache_is_bounded_and_evicts_while_the_broker_never_does():
    env = SERVICES["web"]["environment"]
    assert env["REDIS_URL"].startswith("redis://redis-broker:")
    assert env["REDIS_CACHE_URL"].startswith("redis://redis-cache:")
    cache, broker = command_flags("redis-cache"), command_flags("redis-broker")
    assert cache["maxmemory-policy"] == "allkeys-lru" and cache["maxmemory"].endswith("mb")
    assert broker["maxmemory-policy"] == "noeviction"


def test_nginx_limits_slow_clients_and_bodies_to_the_upload_limit():
    from targets.io_views import MAX_UPLOAD_BYTES

    conf = TEMPLATE.read_text()
    directive = dict(re.findall(r"^\s*(client_\w+)\s+([^;]+);", conf, re.MULTILINE))
    assert directive["client_header_timeout"] == "10s"
    assert directive["client_body_timeout"] == "10s"
    body_limit = int(directive["client_max_body_size"].rstrip("m")) * 1024 * 1024
    assert MAX_UPLOAD_BYTES < body_limit <= MAX_UPLOAD_BYTES + 1024 * 1024  # + the envelope
    assert "proxy_request_buffering on;" in conf


@pytest.mark.django_db
def test_the_web_containers_health_check_gets_200_not_a_redirect(client, settings):
    """The compose health check's own request, against production settings (https on)."""
    check = " ".join(SERVICES["web"]["healthcheck"]["test"])
    url = re.search(r"'(http://127\.0\.0\.1:8000(/\w+))'", check)
    assert url and "Host" in check and "ALLOWED_HOSTS" in check
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    settings.ALLOWED_HOSTS = ["bhxh.example.vn"]
    response = client.get(url.group(2), HTTP_HOST="bhxh.example.vn")
    assert response.status_code == 200
    assert client.get("/", HTTP_HOST="bhxh.example.vn").status_code == 301  # the rest: https


def render_template(**values: str) -> str:
    """What the nginx image's entrypoint does: ${NAME} replaced from its environment."""
    return re.sub(r"\$\{(\w+)\}", lambda m: values[m.group(1)], TEMPLATE.read_text())


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")
def test_nginx_accepts_the_configuration(tmp_path):
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=localhost",
            "-keyout", str(tmp_path / "privkey.pem"), "-out", str(tmp_path / "fullchain.pem"),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    site = render_template(
        SERVER_NAME="localhost",
        UPSTREAM="127.0.0.1:8000",
        TLS_CERT=str(tmp_path / "fullchain.pem"),
        TLS_KEY=str(tmp_path / "privkey.pem"),
    )
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        "events {}\n"
        f"http {{ access_log off; client_body_temp_path {tmp_path}/body; "
        f"include {tmp_path}/site.conf; }}\n"
    )
    result = subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr and "test is successful" in result.stderr
