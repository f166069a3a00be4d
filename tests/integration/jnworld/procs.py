"""Child processes of the test world.

Every component runs in its own session (so its own process group) with stdout and stderr going
to one log file, and carries JN_WORLD=<world dir> in its environment so a test can find any
process of a world that outlived its teardown. On Linux each child also gets PR_SET_PDEATHSIG,
so even a SIGKILLed test runner does not leave components behind.

Teardown paths: Component.stop(), ProcessRegistry.stop_all() (fixtures), an atexit hook, and
SIGTERM/SIGHUP handlers that turn the signal into SystemExit so fixture finalizers run. Ctrl-C is
already a KeyboardInterrupt in Python, which pytest unwinds through the same finalizers.
"""
import atexit
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

LOG_TAIL_LINES = 40


class ComponentError(RuntimeError):
    """A component did not start, did not become ready in time, or died."""


def tail(path, lines=LOG_TAIL_LINES):
    """Returns the last `lines` lines of a text file ('' when it cannot be read)."""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - 64 * 1024))
            data = fh.read().decode("utf-8", "replace")
    except OSError:
        return ""
    return "\n".join(data.splitlines()[-lines:])


def _pdeathsig():
    # Runs in the child between fork and exec: ask the kernel to SIGKILL it when the parent dies.
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except OSError:
        pass


class Component:
    """One child process with its log file. Created by ProcessRegistry.start()."""

    def __init__(self, name, argv, log_path, env, cwd):
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        self._log = open(log_path, "ab")
        self._log.write(("# %s\n" % " ".join(self.argv)).encode())
        self._log.flush()
        try:
            self.proc = subprocess.Popen(
                self.argv, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
                env=env, cwd=cwd, start_new_session=True,
                preexec_fn=_pdeathsig if sys.platform.startswith("linux") else None)
        except OSError as e:
            self._log.close()
            raise ComponentError("cannot start %s '%s': %s" % (name, self.argv[0], e)) from e
        self.pid = self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def log_tail(self, lines=LOG_TAIL_LINES):
        return tail(self.log_path, lines)

    def failure(self, what):
        """Builds a ComponentError naming the component, what went wrong and its log tail."""
        return ComponentError("%s %s (log %s):\n%s" % (
            self.name, what, self.log_path, self.log_tail()))

    def wait_ready(self, probe, timeout, interval=0.2):
        """Calls probe() until it returns true. Raises ComponentError with the log tail when the
        process exits or `timeout` seconds pass first. Exceptions from probe count as 'not yet'."""
        deadline = time.monotonic() + timeout
        last = None
        while True:
            if not self.alive():
                raise self.failure("exited with status %s before it was ready" % self.proc.returncode)
            try:
                if probe():
                    return
            except Exception as e:  # noqa: BLE001 -- any probe failure means "not ready yet"
                last = e
            if time.monotonic() >= deadline:
                why = "not ready after %gs" % timeout
                if last is not None:
                    why += " (last probe error: %s)" % last
                raise self.failure(why)
            time.sleep(interval)

    def stop(self, grace=10.0):
        """SIGTERM to the whole process group, SIGKILL after `grace` seconds; idempotent."""
        if self.proc.returncode is None:
            for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
                try:
                    os.killpg(self.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.proc.wait(wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        # Grandchildren that ignored SIGTERM still share the group: make sure none stay.
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if not self._log.closed:
            self._log.close()


class ProcessRegistry:
    """Starts components for one world dir and stops them all, in reverse start order."""

    _live = []
    _lock = threading.Lock()
    _hooks_installed = False

    def __init__(self, world_dir):
        self.world_dir = world_dir
        self.log_dir = os.path.join(world_dir, "logs")
        os.makedirs(self.log_dir, exist_ok=True)
        self.components = []
        self._install_hooks()
        with ProcessRegistry._lock:
            ProcessRegistry._live.append(self)

    def start(self, name, argv, env=None, cwd=None):
        full_env = dict(os.environ)
        full_env.update(env or {})
        full_env["JN_WORLD"] = self.world_dir
        comp = Component(name, argv, os.path.join(self.log_dir, name + ".log"), full_env,
                         cwd or self.world_dir)
        self.components.append(comp)
        return comp

    def stop_all(self):
        for comp in reversed(self.components):
            comp.stop()
        with ProcessRegistry._lock:
            if self in ProcessRegistry._live:
                ProcessRegistry._live.remove(self)

    def log_tails(self, lines=20):
        """The tail of every component's log, as one text block (for failed tests)."""
        parts = []
        for comp in self.components:
            state = "running" if comp.alive() else "exited %s" % comp.proc.returncode
            parts.append("---- %s (%s, %s) ----\n%s" % (comp.name, state, comp.log_path,
                                                        comp.log_tail(lines)))
        return "\n".join(parts)

    @classmethod
    def _stop_everything(cls):
        for reg in list(cls._live):
            reg.stop_all()

    @classmethod
    def _install_hooks(cls):
        if cls._hooks_installed:
            return
        cls._hooks_installed = True
        atexit.register(cls._stop_everything)
        if threading.current_thread() is not threading.main_thread():
            return

        def on_signal(signum, _frame):
            # SystemExit unwinds pytest's fixture finalizers; atexit catches the rest.
            raise SystemExit(128 + signum)

        for sig in (signal.SIGTERM, signal.SIGHUP):
            if signal.getsignal(sig) in (signal.SIG_DFL, None):
                signal.signal(sig, on_signal)


def world_processes(world_dir):
    """Pids of live processes whose environment carries JN_WORLD=<world_dir> (Linux /proc)."""
    needle = ("JN_WORLD=" + world_dir).encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open("/proc/%s/environ" % entry, "rb") as fh:
                env = fh.read().split(b"\0")
            with open("/proc/%s/stat" % entry, "rb") as fh:
                state = fh.read().rsplit(b")", 1)[1].split()[0]
        except OSError:
            continue
        if needle in env and state != b"Z":
            found.append(int(entry))
    return found


def prune_worlds(root):
    """Removes the world directories under `root` that no live process belongs to."""
    if not os.path.isdir(root):
        return
    for name in os.listdir(root):
        path = os.path.join(root, name)
        if os.path.isdir(path) and not world_processes(path):
            shutil.rmtree(path, ignore_errors=True)
