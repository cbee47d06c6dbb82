"""`python -m crawlers.cli ...` in a fresh process that starts warm.

A crawl subprocess spends seconds importing Scrapy, Twisted, eyecite and our thirty-odd
sources before it asks its first page, and a test session runs well over a hundred
crawls. The Twisted reactor cannot restart, so the crawls cannot share one process;
instead one helper process per test process (this module, run as a script) imports all
of that once and then, for each command, forks: the child is a new process (its own
pid, reactor, database connections, stdout, stderr and exit code) that runs the CLI's
`__main__` exactly as `python -m crawlers.cli` would, only without the imports.

`run()` answers like `subprocess.run(..., capture_output=True, text=True)`. It falls back
to a plain subprocess whenever the warm start could differ from a cold one: an
environment variable read while importing (the crawling settings read
$SII_ATLAS_CONTACT at import) or any PYTHON* variable has another value than the helper
started with, another thread is already using the helper, or the helper cannot start.
(Only Python's reads of os.environ are seen, not a C library's: a test that varies,
say, OPENSSL_CONF should pass warm=False.) SII_ATLAS_TEST_WARM_CLI=0 turns it off
altogether (every command then runs cold), to tell a warm-start problem from a real one.
"""

import atexit
import gc
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

MODULE = "crawlers.cli"
ENABLED = os.environ.get("SII_ATLAS_TEST_WARM_CLI", "1") != "0"


# --------------------------------------------------------------------------- the helper process


def preload() -> set[str]:
    """Import what a crawl imports; return the environment variables read meanwhile."""
    import importlib

    read: set[str] = set()
    environ_class = type(os.environ)
    getitem, contains, iterate = environ_class.__getitem__, environ_class.__contains__, environ_class.__iter__

    def recorded_getitem(self, key):
        read.add(key)
        return getitem(self, key)

    def recorded_contains(self, key):
        read.add(key)
        return contains(self, key)

    def recorded_iter(self):
        read.add("*")  # the whole environment was read: every difference counts
        return iterate(self)

    environ_class.__getitem__, environ_class.__contains__, environ_class.__iter__ = \
        recorded_getitem, recorded_contains, recorded_iter
    try:
        importlib.import_module(MODULE)
        import crawlers.sources  # noqa: F401  (every spider)
        from scrapy.settings import Settings

        import scrapy.crawler  # noqa: F401

        settings = Settings()
        settings.setmodule("crawlers.crawling.settings", priority="project")
        for path in component_paths(settings):
            try:
                importlib.import_module(path)
            except Exception:  # not a module path after all, or an optional extra: the child imports it as usual
                pass
    finally:
        environ_class.__getitem__, environ_class.__contains__, environ_class.__iter__ = getitem, contains, iterate
    if "twisted.internet.reactor" in sys.modules:
        raise RuntimeError("a preloaded module installed the Twisted reactor: a warm child could not choose its own")
    return read


def component_paths(settings) -> set[str]:
    """Modules of every class a crawl loads by name from its settings (middlewares,
    pipelines, extensions, download handlers, scheduler, queues, ...)."""
    names = set()
    for key in settings:  # the *_BASE dictionaries included
        value = settings[key]
        values = [*value.keys(), *value.values()] if hasattr(value, "keys") else [value]
        names |= {v for v in values if isinstance(v, str) and v.startswith(("scrapy.", "crawlers.", "twisted."))}
    # "package.module.Class" or "package.module": try both, keep what imports.
    return {name.rsplit(".", 1)[0] for name in names} | names


def helper(channel_in: int, channel_out: int) -> dict | None:
    """The warm process: preload, say which variables matter, then fork one child per
    command. Returns None in the helper when the test process is done; in each child,
    returns its command."""
    sys.path[0] = os.getcwd()  # as `python -m` sets it, not this script's folder
    started_with = dict(os.environ)  # an import may set a variable it read: compare what it found
    try:
        read = preload()
        reply(channel_out, {"ready": True, "env": {k: started_with.get(k) for k in read if k != "*"},
                            "whole_env": "*" in read})
    except BaseException as error:  # noqa: BLE001  (the caller falls back to plain subprocesses)
        reply(channel_out, {"ready": False, "error": repr(error)})
        return None
    # What was imported lives as long as each child: leave it out of the children's garbage
    # collections (shutdown included), which would otherwise touch, and so copy, every page.
    gc.freeze()
    requests = os.fdopen(channel_in, "rb", buffering=0)
    for line in iter(requests.readline, b""):
        command = json.loads(line)
        pid = os.fork()
        if pid == 0:
            requests.close()
            os.close(channel_out)
            return command
        reply(channel_out, {"pid": pid})
        _, status = os.waitpid(pid, 0)
        reply(channel_out, {"returncode": os.waitstatus_to_exitcode(status)})
    return None


def become(command: dict) -> None:
    """Turn this fresh child into `python -m crawlers.cli <args>` with the command's cwd,
    environment and outputs. Whatever the CLI raises is left to the interpreter, which
    exits as it would have (SystemExit's code, a traceback and 1) and shuts down as it
    would have (atexit, closing the databases, which checkpoints their WAL)."""
    import runpy

    os.chdir(command["cwd"])
    sys.path[0] = os.getcwd()
    os.environ.clear()
    os.environ.update(command["env"])
    for fd, path, flags in ((0, os.devnull, os.O_RDONLY), (1, command["stdout"], os.O_WRONLY),
                            (2, command["stderr"], os.O_WRONLY)):
        opened = os.open(path, flags)
        os.dup2(opened, fd)
        os.close(opened)
    sys.argv = [MODULE, *command["args"]]
    # A cold `python -m` has not imported the module it runs (runpy would warn on stderr).
    sys.modules.pop(MODULE, None)
    runpy.run_module(MODULE, run_name="__main__", alter_sys=True)


def reply(fd: int, message: dict) -> None:
    os.write(fd, json.dumps(message).encode() + b"\n")


# --------------------------------------------------------------------------- the test process' side


class WarmCli:
    def __init__(self, cwd: Path):
        self.cwd = str(cwd)
        self.lock = threading.Lock()
        # os.environ, given explicitly as the cold runs are given theirs: the process'
        # own C environment can hold more (readline sets COLUMNS and LINES there).
        self.base_env = dict(os.environ)
        self.process = subprocess.Popen([sys.executable, __file__], cwd=self.cwd, env=self.base_env,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
        self.buffer = b""
        hello = self.read(timeout=120)
        if not hello or not hello.get("ready"):
            self.close()
            raise RuntimeError(f"warm CLI helper did not start: {hello}")
        self.env, self.whole_env = hello["env"], hello["whole_env"]

    def suits(self, env: dict, cwd: str) -> bool:
        """Would a cold start see what the helper saw while importing?"""
        if self.whole_env and env != self.base_env:
            return False
        if any(env.get(k) != v for k, v in self.env.items()):
            return False
        python = {k for k in {*env, *self.base_env} if k.startswith("PYTHON")}
        return cwd == self.cwd and all(env.get(k) == self.base_env.get(k) for k in python)

    def read(self, timeout: float | None):
        while b"\n" not in self.buffer:
            ready, _, _ = select.select([self.process.stdout], [], [], timeout)
            if not ready:
                return None
            chunk = os.read(self.process.stdout.fileno(), 65536)
            if not chunk:
                raise RuntimeError("warm CLI helper exited")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)

    def run(self, args: list[str], env: dict, timeout: float | None) -> subprocess.CompletedProcess:
        with tempfile.TemporaryDirectory(prefix="warm-cli-") as folder:
            out, err = Path(folder, "stdout"), Path(folder, "stderr")
            out.touch()
            err.touch()
            command = {"args": args, "env": env, "cwd": self.cwd, "stdout": str(out), "stderr": str(err)}
            self.process.stdin.write(json.dumps(command).encode() + b"\n")
            pid = self.read(timeout=60)["pid"]
            done = self.read(timeout=timeout)
            cmd = [sys.executable, "-m", MODULE, *args]
            if done is None:  # as subprocess.run does on a timeout: kill, then say so
                os.kill(pid, signal.SIGKILL)
                self.read(timeout=None)
                raise subprocess.TimeoutExpired(cmd, timeout, output=out.read_text(), stderr=err.read_text())
            # Read back as text=True would: the locale's encoding, universal newlines.
            return subprocess.CompletedProcess(cmd, done["returncode"], out.read_text(), err.read_text())

    def close(self):
        try:
            self.process.stdin.close()
            self.process.wait(timeout=10)
        except Exception:  # noqa: BLE001
            self.process.kill()


_helper: WarmCli | None = None
_helper_failed = False
_start_lock = threading.Lock()


def helper_for(cwd: Path) -> WarmCli | None:
    global _helper, _helper_failed
    with _start_lock:
        if _helper is None and not _helper_failed:
            try:
                _helper = WarmCli(cwd)
                atexit.register(_helper.close)
            except (OSError, RuntimeError) as error:
                _helper_failed = True
                print(f"warm CLI unavailable, crawls run cold: {error}", file=sys.stderr)
        return _helper


def runs_warm(cwd: Path, env: dict) -> bool:
    """Would run() start this command warm (and not fall back to a cold interpreter)?"""
    warm = helper_for(cwd) if ENABLED else None
    return warm is not None and warm.suits(env, str(cwd))


def run(args: list[str], cwd: Path, env: dict, timeout: float | None) -> subprocess.CompletedProcess:
    """`python -m crawlers.cli *args` in cwd with exactly `env`: warm when that changes
    nothing, else cold; answers as subprocess.run(capture_output=True, text=True)."""
    warm = helper_for(cwd) if ENABLED else None
    if runs_warm(cwd, env) and warm.lock.acquire(blocking=False):
        try:
            return warm.run(list(args), env, timeout)
        finally:
            warm.lock.release()
    return subprocess.run([sys.executable, "-m", MODULE, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=env)


if __name__ == "__main__":
    # Our own channel on fresh descriptors: 0 and 1 become each child's stdin and stdout.
    channel_in, channel_out = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    command = helper(channel_in, channel_out)
    if command is not None:  # a child
        become(command)
