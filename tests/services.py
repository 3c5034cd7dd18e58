"""Real server processes for tests: embedded FerretDB (MongoDB wire protocol) and redis-server.

Plain helpers, no pytest imports. Typical use (e.g. from a session fixture)::

    db = FerretDB()
    db.start()            # waits until it accepts connections
    ...  db.url  ...      # "mongodb://127.0.0.1:PORT/"
    db.stop(); db.start() # same port, same data dir: data survives
    db.close()            # stop and delete the temp directory

Both servers listen on 127.0.0.1 only. FerretDB is ``tools/mongotest/mongotest`` (built by
``scripts/build-mongotest``); redis-server is taken from PATH.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType

REPO_ROOT = Path(__file__).resolve().parent.parent
MONGOTEST_BIN = REPO_ROOT / "tools" / "mongotest" / "mongotest"

DEFAULT_START_TIMEOUT = 30.0
DEFAULT_STOP_TIMEOUT = 10.0


class ServiceError(RuntimeError):
    """A server could not be found, started or stopped."""


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_accepts(port: int, host: str = "127.0.0.1", timeout: float = 0.2) -> bool:
    """True if a TCP connection to host:port succeeds right now."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def find_mongotest() -> Path:
    """Path of the embedded-FerretDB binary; error with the build hint if missing."""
    override = os.environ.get("INSIGHTS_MONGOTEST_BIN")
    path = Path(override) if override else MONGOTEST_BIN
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise ServiceError(f"FerretDB test binary not found at {path}; run scripts/build-mongotest")
    return path


def find_redis_server() -> Path:
    """Path of redis-server on PATH; error with the install hint if missing."""
    found = shutil.which("redis-server")
    if not found:
        raise ServiceError(
            "redis-server not found on PATH; install it (apt-get install -y redis-server) "
            "or run the tests through scripts/test"
        )
    return Path(found)


def _log(msg: str) -> None:
    print(f"[services] {msg}", file=sys.stderr, flush=True)


def _tail(path: Path, start: int = 0, max_bytes: int = 4000) -> str:
    """Last max_bytes of a log file, from byte offset start on."""
    try:
        with path.open("rb") as f:
            f.seek(0, os.SEEK_END)
            end = f.tell()
            f.seek(max(start, end - max_bytes))
            return f.read().decode("utf-8", "replace").strip()
    except OSError:
        return ""


_live: set[ServerProcess] = set()  # servers started and not yet stopped


@atexit.register
def _kill_leftovers() -> None:
    # Never leave servers behind if the test session forgot (or crashed before) stop().
    for server in list(_live):
        with contextlib.suppress(Exception):
            server.kill()


class ServerProcess:
    """One server process on a fixed 127.0.0.1 port, with a temp directory that outlives restarts.

    Subclasses define ``name``, ``_command()``, ``url`` and may refine ``_is_ready()``.
    stdout/stderr go to ``stdout.log``/``stderr.log`` in the temp directory (appended across
    restarts); start failures include the tail of stderr.
    """

    name = "server"

    def __init__(self, port: int | None = None, *, start_timeout: float = DEFAULT_START_TIMEOUT):
        self._port_fixed = port is not None
        self.port: int = port if port is not None else free_port()
        self.start_timeout = start_timeout
        self.base_dir = Path(tempfile.mkdtemp(prefix=f"insights-{self.name.lower()}-"))
        self.stdout_path = self.base_dir / "stdout.log"
        self.stderr_path = self.base_dir / "stderr.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self._started_once = False
        self._lock = threading.RLock()
        self._out_offset = 0
        self._err_offset = 0

    # -- to be defined by subclasses -------------------------------------------------------

    @property
    def url(self) -> str:
        raise NotImplementedError

    def _command(self) -> list[str]:
        raise NotImplementedError

    def _describe(self) -> str:
        return self.name

    def _is_ready(self) -> bool:
        return port_accepts(self.port)

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout: float | None = None) -> ServerProcess:
        """Start the server (no-op if running) and wait until it accepts connections."""
        with self._lock:
            if self.running:
                return self
            # A port picked by free_port() can be taken by someone else before we bind it:
            # on the very first start only, retry on a fresh port.
            attempts = 1 if (self._port_fixed or self._started_once) else 3
            for attempt in range(1, attempts + 1):
                try:
                    self._start_once(self.start_timeout if timeout is None else timeout)
                    break
                except ServiceError:
                    if attempt == attempts or not port_accepts(self.port):
                        raise
                    self.port = free_port()
            self._started_once = True
            _live.add(self)
            _log(f"started {self._describe()} at {self.url} pid {self.pid}")
            return self

    def _start_once(self, timeout: float) -> None:
        if port_accepts(self.port):
            raise ServiceError(f"{self.name}: port {self.port} on 127.0.0.1 is already in use")
        self._out_offset = self.stdout_path.stat().st_size if self.stdout_path.exists() else 0
        self._err_offset = self.stderr_path.stat().st_size if self.stderr_path.exists() else 0
        cmd = self._command()
        with self.stdout_path.open("ab") as out, self.stderr_path.open("ab") as err:
            try:
                self.proc = subprocess.Popen(
                    cmd,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=err,
                    cwd=self.base_dir,
                    start_new_session=True,  # a terminal Ctrl-C goes to pytest, which stops us
                )
            except OSError as e:
                raise ServiceError(f"{self.name}: cannot run {cmd[0]}: {e}") from e

        deadline = time.monotonic() + timeout
        while True:
            code = self.proc.poll()
            if code is not None:
                self.proc = None
                raise ServiceError(
                    f"{self.name} exited with code {code} during startup "
                    f"(command: {' '.join(cmd)})\n--- stderr tail ---\n{self._stderr_tail()}"
                )
            if self._is_ready():
                return
            if time.monotonic() > deadline:
                self.kill()
                raise ServiceError(
                    f"{self.name} did not accept connections on 127.0.0.1:{self.port} "
                    f"within {timeout:.0f}s (command: {' '.join(cmd)})\n"
                    f"--- stderr tail ---\n{self._stderr_tail()}"
                )
            time.sleep(0.02)

    def _stderr_tail(self) -> str:
        return _tail(self.stderr_path, self._err_offset) or "(empty)"

    def stop(self, timeout: float = DEFAULT_STOP_TIMEOUT) -> None:
        """SIGTERM, then SIGKILL after timeout seconds; returns once the port is closed."""
        with self._lock:
            proc = self.proc
            if proc is None:
                return
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    _log(f"{self.name} pid {proc.pid} ignored SIGTERM for {timeout:.0f}s; SIGKILL")
                    with contextlib.suppress(ProcessLookupError):
                        proc.kill()
                    proc.wait()
            self.proc = None
            _live.discard(self)
            self._wait_port_closed()
            _log(f"stopped {self.name} at {self.url} (exit {proc.returncode})")

    def kill(self) -> None:
        """SIGKILL at once (a crash, as far as the server can tell)."""
        with self._lock:
            proc = self.proc
            if proc is None:
                return
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
            proc.wait()
            self.proc = None
            _live.discard(self)
            self._wait_port_closed()
            _log(f"killed {self.name} at {self.url}")

    def restart(self, down_for: float = 0.0, timeout: float | None = None) -> None:
        """stop(), stay down for down_for seconds, start() again on the same port and data."""
        self.stop()
        if down_for > 0:
            time.sleep(down_for)
        self.start(timeout)

    def close(self) -> None:
        """Stop the server and delete its temp directory (data and logs)."""
        self.stop()
        shutil.rmtree(self.base_dir, ignore_errors=True)

    def _wait_port_closed(self, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while port_accepts(self.port) and time.monotonic() < deadline:
            time.sleep(0.02)

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = f"pid {self.pid}" if self.running else "stopped"
        return f"<{type(self).__name__} {self.url} {state}>"


class FerretDB(ServerProcess):
    """Embedded FerretDB v1.24.2 with the SQLite handler (tools/mongotest/mongotest).

    Data lives in ``data_dir`` (inside the temp directory) and survives stop()/start().
    """

    name = "FerretDB"

    def __init__(
        self,
        port: int | None = None,
        *,
        binary: Path | None = None,
        start_timeout: float = DEFAULT_START_TIMEOUT,
    ):
        super().__init__(port, start_timeout=start_timeout)
        self.binary = binary or find_mongotest()
        self.data_dir = self.base_dir / "data"
        self.data_dir.mkdir()
        self._version: str | None = None

    @property
    def url(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/"

    def _command(self) -> list[str]:
        return [str(self.binary), "-listen", f"127.0.0.1:{self.port}", "-dir", str(self.data_dir)]

    def _is_ready(self) -> bool:
        # mongotest prints "ready <url>" only after it has dialled its own port.
        ready_line = f"ready {self.url}".encode()
        try:
            with self.stdout_path.open("rb") as f:
                f.seek(self._out_offset)
                if ready_line not in f.read():
                    return False
        except OSError:
            return False
        return port_accepts(self.port)

    @property
    def version(self) -> str:
        """E.g. 'FerretDB v1.24.2 (embedded, sqlite) go1.26.8'."""
        if self._version is None:
            try:
                out = subprocess.run(
                    [str(self.binary), "-version"],
                    capture_output=True,
                    text=True,
                    timeout=10,
                    check=True,
                ).stdout.strip()
            except (OSError, subprocess.SubprocessError):
                out = "FerretDB (unknown version, embedded, sqlite)"
            self._version = out
        return self._version

    def _describe(self) -> str:
        return self.version


class RedisServer(ServerProcess):
    """redis-server from PATH, no persistence, bound to 127.0.0.1."""

    name = "redis-server"

    def __init__(
        self,
        port: int | None = None,
        *,
        binary: Path | None = None,
        start_timeout: float = DEFAULT_START_TIMEOUT,
    ):
        super().__init__(port, start_timeout=start_timeout)
        self.binary = binary or find_redis_server()
        self._version: str | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _command(self) -> list[str]:
        return [
            str(self.binary),
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "no",
            "--dir", str(self.base_dir),
            "--protected-mode", "yes",
        ]  # fmt: skip

    def _is_ready(self) -> bool:
        # A raw PING: proves it is our redis answering, not just an open port.
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    @property
    def version(self) -> str:
        """E.g. 'redis-server v7.0.15'."""
        if self._version is None:
            version = "unknown version"
            try:
                out = subprocess.run(
                    [str(self.binary), "--version"],
                    capture_output=True,
                    text=True,
                    timeout=10,
                    check=True,
                ).stdout
                for word in out.split():
                    if word.startswith("v="):
                        version = "v" + word[2:]
                        break
            except (OSError, subprocess.SubprocessError):
                pass
            self._version = f"redis-server {version}"
        return self._version

    def _describe(self) -> str:
        return self.version
