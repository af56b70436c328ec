"""deploy/: what can be tested without a container engine.

Docker cannot run here, so the image and the compose stack are checked as files: every path the
Dockerfile copies exists, the runtime stage is non-root and installs the wheel with the pinned
constraints, the compose file parses and names existing files. The boot script runs for real
against PostgreSQL behind a port that refuses connections for its first seconds (a database
still starting): it retries, migrates and execs gunicorn. The systemd units pass
``systemd-analyze verify`` and their commands are run by hand; the nginx sample passes
``nginx -t`` where nginx is installed.
"""

from __future__ import annotations

import configparser
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.serverutil import StartupReader
from zi_assess import config as settings
from zi_assess.config import EXIT_CONFIG, defaults

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent
BOOT = DEPLOY / "boot.sh"
SECRET = "k" * 64


def _env(tmp_path: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZI_")}
    return env | {"PATH": f"{BIN}:{env.get('PATH', '/usr/bin:/bin')}", "ZI_INSTANCE_PATH": str(tmp_path / "instance"),
                  "ZI_SECRET_KEY": SECRET} | settings


def _postgres_url() -> str:
    url = settings.test_database_url()
    if not url or not url.startswith("postgres"):
        pytest.skip("needs PostgreSQL (ZI_TEST_DATABASE_URL)")
    return url


def _with_port(url: str, port: int) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    host = f"127.0.0.1:{port}"
    return urlunsplit(parts._replace(netloc=f"{netloc[0]}@{host}" if len(netloc) == 2 else host))


def _get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status


# -- the boot script ---------------------------------------------------------------------------


class LateDatabase(threading.Thread):
    """A local port in front of PostgreSQL that hangs up on its first ``refuse`` connections, then
    forwards: a database that is still starting when the application first asks."""

    def __init__(self, target: tuple[str, int], refuse: int) -> None:
        super().__init__(daemon=True)
        self.target, self.to_refuse = target, refuse
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.refused = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            if self.refused < self.to_refuse:
                self.refused += 1
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()
        self.listener.close()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()


@pytest.mark.slow
def test_boot_waits_for_a_late_database_then_execs_gunicorn(tmp_path):
    url = _postgres_url()
    parts = urlsplit(url)
    database = LateDatabase((parts.hostname or "127.0.0.1", parts.port or 5432), refuse=2)
    database.start()
    env = _env(tmp_path, ZI_DATABASE_URL=_with_port(url, database.port), BIND="127.0.0.1:0", WEB_CONCURRENCY="1",
               BOOT_DB_DELAY="0.5", BOOT_DB_TRIES="40")
    log: list[str] = []
    try:
        with subprocess.Popen(["sh", str(BOOT)], env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) as boot:
            reader = StartupReader(boot, log)
            reader.start()
            try:
                assert reader.found.wait(120), "".join(log)[-3000:]
                # exec: the boot script's own process is now gunicorn's master
                assert b"gunicorn" in Path(f"/proc/{boot.pid}/cmdline").read_bytes()
                assert _get(reader.address + "/healthz") == 200
            finally:
                boot.terminate()
                access = boot.stdout.read()
                boot.wait(timeout=30)
                reader.join(timeout=10)
    finally:
        database.stopped.set()
        database.join(timeout=10)
    output = "".join(log)
    assert database.refused == 2 and "boot: database not ready (attempt 2 of 40" in output
    assert "attempt 3 of 40" not in output
    assert '"GET /healthz HTTP/1.1" 200' in access  # --access-logfile -


def test_boot_never_retries_a_refused_configuration(tmp_path):
    env = _env(tmp_path, ZI_ENV="production", BOOT_DB_DELAY="5")
    env.pop("ZI_SECRET_KEY")
    started = time.monotonic()
    out = subprocess.run(["sh", str(BOOT)], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert out.returncode == EXIT_CONFIG and time.monotonic() - started < 5 * 0.9  # no sleep, no second try
    assert out.stderr.count("configuration error") == 1 and "ZI_SECRET_KEY" in out.stderr
    assert "not retrying" in out.stderr


def test_boot_gives_up_when_the_database_never_comes(tmp_path):
    with socket.socket() as reserved:  # bound, never listening: every connection is refused
        reserved.bind(("127.0.0.1", 0))
        port = reserved.getsockname()[1]
        env = _env(tmp_path, ZI_DATABASE_URL=f"postgresql://zi@127.0.0.1:{port}/zi", BOOT_DB_TRIES="2",
                   BOOT_DB_DELAY="0.1")
        out = subprocess.run(["sh", str(BOOT)], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.returncode == 1
    assert "attempt 1 of 2" in out.stderr and "giving up" in out.stderr and "Listening at" not in out.stderr


# -- the image and the compose file -----------------------------------------------------------


def _dockerfile() -> list[str]:
    """Instructions of the Dockerfile, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text())
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_every_file_the_dockerfile_copies_exists_and_the_runtime_is_non_root():
    lines = _dockerfile()
    copies = [shlex.split(line)[1:] for line in lines if line.startswith("COPY")]
    local = [args for args in copies if not args[0].startswith("--from")]
    assert local
    for args in local:
        for source in args[:-1]:
            assert (ROOT / source).exists(), f"COPY {source}: not in the repository (the build context)"
    stages = [i for i, line in enumerate(lines) if line.startswith("FROM")]
    assert len(stages) == 2 and " AS builder" in lines[stages[0]] and " AS runtime" in lines[stages[1]]
    runtime = lines[stages[1]:]
    users = [line.split()[1] for line in runtime if line.startswith("USER")]
    assert users and users[-1] not in ("root", "0")
    install = next(line for line in runtime if "pip install" in line)
    assert "--no-index" in install and "--constraint" in install and "zi-assess" in install
    assert any("--from=builder /wheels" in line for line in runtime)
    makefile = (ROOT / "Makefile").read_text()
    apt_run = re.search(r"^APT_RUN\s*:=\s*(.+)$", makefile, re.M).group(1).split()
    apt_line = next(line for line in runtime if "apt-get install" in line)
    assert all(package in apt_line for package in apt_run), "the image lacks WeasyPrint's libraries"
    entrypoint = next(line for line in runtime if line.startswith("ENTRYPOINT"))
    boot_copy = next(args for args in local if args[0] == "deploy/boot.sh")
    assert Path(boot_copy[-1]).name in entrypoint
    assert any(line.startswith("HEALTHCHECK") and "/healthz" in line for line in runtime)
    assert any(line.startswith("ENV") and "ZI_ENV=production" in line for line in runtime)


def test_the_compose_file_runs_app_worker_database_and_redis_with_volumes():
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"app", "worker", "maint", "db", "redis"}
    for name in ("app", "worker", "maint"):
        service = services[name]
        assert (DEPLOY / service["build"]["context"] / service["build"]["dockerfile"]).resolve() == \
            (DEPLOY / "Dockerfile").resolve()
        assert (DEPLOY / (service["env_file"] + ".example")).is_file()
        assert service["environment"]["ZI_REDIS_URL"].startswith("redis://redis:")
        assert "@db:5432/" in service["environment"]["ZI_DATABASE_URL"]
        assert any(v.startswith("instance:") for v in service["volumes"])
    assert services["worker"]["entrypoint"] == ["zi-assess", "worker"]
    maint = services["maint"]["entrypoint"]
    assert maint[:2] == ["sh", "-c"] and "zi-assess maint sweep" in maint[2] and "sleep" in maint[2]
    assert services["maint"]["depends_on"]["app"]["condition"] == "service_healthy"
    assert "pgdata:/var/lib/postgresql/data" in services["db"]["volumes"]
    assert set(compose["volumes"]) == {"instance", "pgdata", "redisdata"}
    assert services["app"]["depends_on"]["db"]["condition"] == "service_healthy"


def test_nothing_in_deploy_depends_on_the_makefile():
    for path in DEPLOY.rglob("*"):
        if path.is_file():
            assert not re.search(r"\bmake\b|Makefile", path.read_text()), path


# -- systemd ----------------------------------------------------------------------------------


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(DEPLOY / "systemd" / name)
    return parser


def _local(command: str) -> list[str]:
    """A unit's command with the installed venv replaced by this test's."""
    return shlex.split(command.replace("/opt/zi-assess/venv/bin/", f"{BIN}/"))


def test_systemd_units_pass_systemd_analyze_verify(tmp_path):
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed")
    env_file = tmp_path / "zi-assess.env"
    env_file.write_text("ZI_ENV=development\n")
    units = []
    for unit in sorted((DEPLOY / "systemd").iterdir()):
        text = unit.read_text().replace("/opt/zi-assess/venv/bin/", f"{BIN}/")
        (tmp_path / unit.name).write_text(text.replace("/etc/zi-assess/zi-assess.env", str(env_file)))
        units.append(str(tmp_path / unit.name))
    out = subprocess.run(["systemd-analyze", "verify", "--man=no", *units], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0 and not out.stderr.strip(), out.stderr
    timer = _unit("zi-assess-maint.timer")
    assert timer["Timer"]["OnCalendar"] and timer["Install"]["WantedBy"] == "timers.target"


def test_the_units_commands_run_by_hand(tmp_path):
    app, worker, maint = _unit("zi-assess.service"), _unit("zi-assess-worker.service"), _unit("zi-assess-maint.service")
    env = _env(tmp_path, ZI_DATABASE_URL=f"sqlite:///{tmp_path / 'zi.db'}")
    subprocess.run(_local(app["Service"]["ExecStartPre"]), env=env, check=True, capture_output=True, timeout=120)
    command = [("127.0.0.1:0" if arg == "127.0.0.1:8000" else arg) for arg in _local(app["Service"]["ExecStart"])]
    assert "--access-logfile" in command and command[-1] == "zi_assess:create_app()"
    log: list[str] = []
    with subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as server:
        reader = StartupReader(server, log)
        reader.start()
        try:
            assert reader.found.wait(60), "".join(log)
            assert _get(reader.address + "/healthz") == 200
        finally:
            server.terminate()
            server.stdout.read()
            server.wait(timeout=30)
            reader.join(timeout=10)
    assert app["Service"]["RestartPreventExitStatus"] == str(EXIT_CONFIG)
    swept = subprocess.run(_local(maint["Service"]["ExecStart"]), env=env, capture_output=True, text=True,
                           timeout=120)
    assert swept.returncode == 0 and "sweep: 0 stuck exports failed" in swept.stdout, swept.stderr[-2000:]

    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("no Redis at 127.0.0.1:6379 for the worker")
    worker_env = env | {"ZI_REDIS_URL": "redis://127.0.0.1:6379/0", "ZI_REPORT_QUEUE": f"zi-test-{uuid.uuid4().hex}"}
    out = subprocess.run([*_local(worker["Service"]["ExecStart"]), "--burst"], env=worker_env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]


# -- nginx ------------------------------------------------------------------------------------


def test_nginx_accepts_the_upload_size_the_app_accepts_and_passes_the_proxy_headers():
    conf = (DEPLOY / "nginx" / "zi-assess.conf").read_text()
    upload_mb = defaults("/tmp")["UPLOAD_MAX_MB"]
    assert re.search(r"client_max_body_size\s+(\d+)m;", conf).group(1) == str(upload_mb + 1)  # + the form
    for header in ("X-Forwarded-For $proxy_add_x_forwarded_for", "X-Forwarded-Proto $scheme",
                   "X-Forwarded-Host $host", "X-Forwarded-Port $server_port", "X-Request-ID $request_id"):
        assert f"proxy_set_header {header};" in conf
    assert "X-Accel-Redirect" not in conf.replace("# no X-Accel-Redirect", "")


def test_nginx_sample_passes_nginx_t(tmp_path):
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if not nginx:
        pytest.skip("nginx is not installed")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=zi",
                    "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
                   check=True, capture_output=True, timeout=60)
    site = (DEPLOY / "nginx" / "zi-assess.conf").read_text()
    site = site.replace("/etc/ssl/certs/zi.example.go.id.pem", str(tmp_path / "cert.pem"))
    site = site.replace("/etc/ssl/private/zi.example.go.id.key", str(tmp_path / "key.pem"))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log stderr;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  client_body_temp_path {tmp_path};\n  proxy_temp_path {tmp_path};\n"
        f"  include {tmp_path}/site.conf;\n}}\n")
    out = subprocess.run([nginx, "-t", "-q", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
