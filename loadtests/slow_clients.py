"""Slow clients: connections that never finish their headers, against gunicorn alone and
against nginx in front of it (issue 16). Prints /healthz's latency meanwhile, and what a 300 MB
upload costs each before it is refused.

    .venv/bin/python -m loadtests.slow_clients [--slow 6] [--duration 45]

Starts its own gunicorn (3 sync workers, `--timeout 60` as in docker-compose.yml, production
settings with a throw-away SQLite file: /healthz needs only `SELECT 1`) and, for the second case,
its own nginx with deploy/nginx/default.conf.template (self-signed certificate, loopback ports).
Each slow client sends a request line and one header, then one more header line every few
seconds, never the blank line that ends the headers; when the server drops it, it connects again.
A probe asks /healthz every 2 s (40 s timeout) from outside the slow clients. Everything runs on
127.0.0.1 and stops by itself; the processes it started are stopped by their pids.

Figures of 07/12/2026 (2 shared cores under heavy load, 6 slow clients, 45 s each):
  gunicorn alone: /healthz 15 ms idle; 0 of 2 probes answered within 40 s with slow clients;
                  a 300 MB upload (anonymous, with the sign-in page's CSRF pair) read in full,
                  302 after 22.2 s.
  nginx in front: /healthz 25-41 ms idle; 23 of 23 answered with slow clients (median 37 ms,
                  max 239 ms), 18 slow connections cut at 10 s; the 300 MB upload refused with
                  413 at once (0.0 s, 1 MB sent), nothing reaches gunicorn.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import select
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
TEMPLATE = ROOT / "deploy" / "nginx" / "default.conf.template"


def wait_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listens on {port} after {timeout:.0f} s")


def start(args: list[str], *, env: dict[str, str] | None = None, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        args,
        cwd=ROOT,
        env=env,
        stdout=open(log, "ab"),  # noqa: SIM115 (the log lives as long as the process)
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def start_gunicorn(tmp: Path, port: int) -> subprocess.Popen:
    env = dict(
        os.environ,
        DEBUG="0",
        HTTPS="0",
        SECRET_KEY="slow-clients-only-" + "x" * 50,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=f"sqlite:///{tmp}/db.sqlite3",
        TRUSTED_PROXIES="127.0.0.1",
    )
    env.pop("REDIS_URL", None)
    proc = start(
        [str(GUNICORN), "bhxh_dashboard.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "3", "--timeout", "60"],
        env=env,
        log=tmp / "gunicorn.log",
    )  # fmt: skip
    wait_port(port)
    return proc


def start_nginx(tmp: Path, *, upstream: int, http_port: int, https_port: int) -> subprocess.Popen:
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-keyout", str(tmp / "privkey.pem"),
         "-out", str(tmp / "fullchain.pem")],
        check=True,
        capture_output=True,
    )  # fmt: skip
    values = {
        "SERVER_NAME": "localhost",
        "UPSTREAM": f"127.0.0.1:{upstream}",
        "TLS_CERT": str(tmp / "fullchain.pem"),
        "TLS_KEY": str(tmp / "privkey.pem"),
    }
    site = re.sub(r"\$\{(\w+)\}", lambda m: values[m.group(1)], TEMPLATE.read_text())
    site = site.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    site = site.replace("listen 443 ssl", f"listen 127.0.0.1:{https_port} ssl")
    (tmp / "site.conf").write_text(site)
    (tmp / "nginx.conf").write_text(
        f"daemon off;\npid {tmp}/nginx.pid;\nerror_log {tmp}/nginx-error.log;\n"
        "worker_processes 1;\nevents { worker_connections 1024; }\n"
        f"http {{ access_log off; client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy;"
        f" include {tmp}/site.conf; }}\n"
    )
    proc = start(["nginx", "-p", str(tmp), "-c", str(tmp / "nginx.conf")], log=tmp / "nginx.log")
    wait_port(https_port)
    return proc


class SlowClients:
    """`count` connections that keep sending header lines and never end their headers."""

    def __init__(self, port: int, count: int, *, tls: bool) -> None:
        self.port, self.count, self.tls = port, count, tls
        self.stopping = threading.Event()
        self.dropped = 0
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(count)]

    def __enter__(self) -> SlowClients:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        for t in self.threads:
            t.join(timeout=10)

    def _connect(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        if self.tls:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            sock = context.wrap_socket(sock, server_hostname="localhost")
        return sock

    def _run(self) -> None:
        while not self.stopping.is_set():
            try:
                with self._connect() as sock:
                    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n")
                    while not self.stopping.wait(3):
                        sock.sendall(b"X-Slow: 1\r\n")  # never the blank line
            except OSError:
                self.dropped += 1  # the server closed it: come back
                self.stopping.wait(0.2)


def probe(port: int, *, tls: bool, duration: float) -> list[float | None]:
    """/healthz every 2 s: seconds to answer, None when no answer within 40 s."""
    results: list[float | None] = []
    end = time.monotonic() + duration
    while time.monotonic() < end:
        started = time.monotonic()
        try:
            if tls:
                context = ssl._create_unverified_context()
                conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                    "127.0.0.1", port, timeout=40, context=context
                )
            else:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=40)
            conn.request("GET", "/healthz", headers={"Host": "localhost"})
            status = conn.getresponse().status
            conn.close()
            results.append(time.monotonic() - started if status == 200 else None)
        except OSError:
            results.append(None)
        time.sleep(max(0.0, 2 - (time.monotonic() - started)))
    return results


def warm_up(port: int, *, tls: bool, timeout: float = 180) -> None:
    """Until /healthz has answered 6 times: gunicorn's workers import the project after the port
    opens, and each worker's first request loads the rest."""
    deadline = time.monotonic() + timeout
    answered = 0
    while time.monotonic() < deadline and answered < 6:
        answered += probe(port, tls=tls, duration=0.1) != [None]
    if answered < 6:
        raise RuntimeError(f"/healthz on {port} did not answer within {timeout:.0f} s")


def csrf_pair(port: int, *, tls: bool) -> tuple[str, str]:
    """The CSRF cookie and form token of the sign-in page: all an anonymous client needs for
    Django to read a POST's body (the CSRF check parses it to find the token)."""
    if tls:
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            "127.0.0.1", port, timeout=40, context=ssl._create_unverified_context()
        )
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=40)
    conn.request("GET", "/accounts/login/", headers={"Host": "localhost"})
    response = conn.getresponse()
    page = response.read().decode()
    cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie", ""))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    conn.close()
    assert cookie and token, "no CSRF cookie or token on the sign-in page"
    return cookie.group(1), token.group(1)


def big_upload(port: int, *, tls: bool, megabytes: int) -> str:
    """An anonymous multipart POST of a `megabytes` file, with a valid CSRF pair, to the counts
    import: how much of it the server took, in how long, before it answered."""
    cookie, token = csrf_pair(port, tls=tls)
    boundary = "----bhxh-slow-clients"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
        f"{token}\r\n"
        f'--{boundary}\r\nContent-Disposition: form-data; name="tep"; filename="bom.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    length = len(head) + megabytes * 1024 * 1024 + len(tail)
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    if tls:
        sock = ssl._create_unverified_context().wrap_socket(sock, server_hostname="localhost")
    started, sent, status = time.monotonic(), 0, ""
    chunk = b"0" * (1024 * 1024)
    with sock:
        try:
            sock.sendall(
                f"POST /nhap-lieu/nhap-tep/so-lieu/d218/ HTTP/1.1\r\nHost: localhost\r\n"
                f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
                f"Cookie: csrftoken={cookie}\r\nReferer: https://localhost/accounts/login/\r\n"
                f"Content-Length: {length}\r\nConnection: close\r\n\r\n".encode()
                + head
            )
            for _ in range(megabytes):
                if select.select([sock], [], [], 0)[0]:
                    break  # the server has answered: stop sending
                sock.sendall(chunk)
                sent += len(chunk)
            else:
                sock.sendall(tail)
        except OSError:
            pass  # the server answered and closed before the end
        answered = time.monotonic() - started
        try:
            status = sock.recv(64).split(b"\r\n", 1)[0].decode(errors="replace")
        except OSError as exc:
            status = f"no answer ({exc.__class__.__name__})"
    return (
        f"{megabytes} MB upload: {status or 'connection closed'} after {answered:.1f} s, "
        f"when {sent / 1024 / 1024:.0f} MB of it had been sent"
    )


def report(name: str, results: list[float | None], dropped: int) -> None:
    answered = [r for r in results if r is not None]
    text = f"{name}: {len(results)} probes of /healthz, {len(answered)} answered"
    if answered:
        text += (
            f", median {statistics.median(answered) * 1000:.0f} ms,"
            f" max {max(answered) * 1000:.0f} ms"
        )
    text += f"; {len(results) - len(answered)} with no answer within 40 s"
    print(text + f"; slow connections dropped by the server: {dropped}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--slow", type=int, default=6, help="slow connections (gunicorn has 3)")
    parser.add_argument("--duration", type=float, default=45, help="seconds per case")
    parser.add_argument("--upload-mb", type=int, default=300, help="size of the big upload")
    parser.add_argument("--port", type=int, default=8104, help="gunicorn's port")
    parser.add_argument("--nginx-ports", default="18104,18444", help="nginx's http,https")
    args = parser.parse_args()
    http_port, https_port = (int(p) for p in args.nginx_ports.split(","))
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    tmp = Path(tempfile.mkdtemp(prefix="bhxh-slow-"))
    procs: list[subprocess.Popen] = []
    try:
        procs.append(start_gunicorn(tmp, args.port))
        warm_up(args.port, tls=False)
        report("gunicorn alone, no slow clients", probe(args.port, tls=False, duration=10), 0)
        print("gunicorn alone, " + big_upload(args.port, tls=False, megabytes=args.upload_mb))
        with SlowClients(args.port, args.slow, tls=False) as slow:
            time.sleep(1)
            results = probe(args.port, tls=False, duration=args.duration)
        report(f"gunicorn alone, {args.slow} slow clients", results, slow.dropped)
        if shutil.which("nginx") is None:
            print("nginx is not installed (apt-get install nginx-light): no second case")
            return 0
        procs.append(start_nginx(tmp, upstream=args.port, http_port=http_port,
                                 https_port=https_port))  # fmt: skip
        warm_up(https_port, tls=True)  # gunicorn's workers killed by its timeout are back
        report("nginx in front, no slow clients", probe(https_port, tls=True, duration=10), 0)
        print("nginx in front, " + big_upload(https_port, tls=True, megabytes=args.upload_mb))
        with SlowClients(https_port, args.slow, tls=True) as slow:
            time.sleep(1)
            results = probe(https_port, tls=True, duration=args.duration)
        report(f"nginx in front, {args.slow} slow clients", results, slow.dropped)
        return 0
    finally:
        for proc in reversed(procs):
            stop(proc)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
