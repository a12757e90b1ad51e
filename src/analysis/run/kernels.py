"""Warm Jupyter kernels: started once, heavy imports done once, reused for many districts.

Importing pandas, matplotlib, seaborn and statsmodels costs a new kernel several seconds, far more
than one district's analysis. A :class:`WarmKernel` starts an IPython kernel, imports the modules
the district notebook needs, and records the state a fresh kernel would start from (matplotlib's
rcParams, environment variables, warning filters). Before each district the engine
(:mod:`analysis.run.engine`) calls :func:`reset_kernel` inside it: the user namespace is emptied, that
state restored, open figures closed, the working directory set, and the execution counter set
back to 1, so the executed notebook looks as if it ran in a new kernel. Modules stay imported:
that is the point.

Only this module's top level is imported inside the kernel (the two ``*_kernel`` functions run
there); it therefore imports nothing heavy at module level.

After the imports the kernel freezes its garbage collector's view of them (``gc.freeze``): they
live as long as the kernel, and IPython's reset collects garbage before each district, which
otherwise walks every imported object again (about 0.1 s of each district).

A kernel, and its one client, belong to the thread that started it (their sockets live on that
thread's event loop);
:func:`thread_kernel` keeps one per thread, which is how both the local pool and Dask workers hold
their kernels.
"""

from __future__ import annotations

import atexit
import os
import threading
from pathlib import Path

# What the district notebook imports; done once per kernel.
DEFAULT_PRELOAD = ("IPython.display", "analysis.clean", "analysis.stats", "analysis.publish.charts",
                   "analysis.publish.excel", "analysis.publish.narrative", "analysis.publish.page",
                   "analysis.publish.report", "analysis.publish.word", "analysis.weighting.weights",
                   "matplotlib.pyplot")

_STATE: dict = {}          # inside a kernel: what reset_kernel restores
START_TRIES = 3            # kernels started before a pool slot gives up (one that died while starting)


class KernelError(RuntimeError):
    """A warm kernel could not be started, warmed up or reset."""


# ─── run inside the kernel ───────────────────────────────────────────────────────────────────

def warm_up_kernel(modules: tuple[str, ...]) -> None:
    """Import ``modules`` and remember the state that :func:`reset_kernel` restores."""
    import gc
    import importlib
    import sys
    import warnings

    for name in modules:
        importlib.import_module(name)
    if "matplotlib" in sys.modules:
        import matplotlib

        _STATE["rcParams"] = dict(matplotlib.rcParams)
    _STATE["environ"] = dict(os.environ)
    _STATE["warnings"] = list(warnings.filters)
    _STATE["sys_path"] = list(sys.path)
    gc.collect()
    gc.freeze()         # the imports stay for the kernel's life: later collections skip them


def reset_kernel(cwd: str) -> None:
    """Make the kernel look freshly started in ``cwd`` (modules already imported stay imported)."""
    import sys
    import warnings

    from IPython import get_ipython

    ip = get_ipython()
    ip.reset(new_session=False)                 # user variables, Out/_ caches, %who
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    if "rcParams" in _STATE:
        import matplotlib

        dict.update(matplotlib.rcParams, _STATE["rcParams"])     # as matplotlib's rc_context does
    if "environ" in _STATE:
        for key in set(os.environ) - set(_STATE["environ"]):
            del os.environ[key]
        os.environ.update(_STATE["environ"])
    if "warnings" in _STATE:
        warnings.filters[:] = _STATE["warnings"]
        warnings._filters_mutated()
    if "sys_path" in _STATE:
        sys.path[:] = _STATE["sys_path"]
    os.chdir(cwd)
    ip.execution_count = 1


# ─── run in the runner ───────────────────────────────────────────────────────────────────────

class WarmKernel:
    """One IPython kernel with the heavy imports done, to run many notebooks in turn.

    ``km`` is the (asynchronous) kernel manager papermill's engine executes against. Start, reset
    and shut down from the thread that created it.
    """

    def __init__(self, preload: tuple[str, ...] = DEFAULT_PRELOAD, *, kernel_name: str = "python3",
                 log_path: Path | None = None, startup_timeout: float = 120):
        self.preload = tuple(preload)
        self.kernel_name = kernel_name
        self.log_path = Path(log_path) if log_path else None
        self.startup_timeout = startup_timeout
        self.km = None
        self.kc = None                  # the one client of this kernel, for every notebook it runs
        self.starts = 0                 # how many kernels this object has started (1 + replacements)
        self._log = None

    @property
    def pid(self) -> int | None:
        proc = getattr(getattr(self.km, "provisioner", None), "process", None)
        return getattr(proc, "pid", None)

    def start(self, tries: int = START_TRIES) -> "WarmKernel":
        """Start the kernel and warm it up. A kernel that dies while starting (killed, out of memory)
        is replaced by a new one, as one that dies during a district is, up to ``tries`` starts in
        all; only then is the error raised."""
        for attempt in range(1, tries + 1):
            try:
                return self._start_once()
            except Exception:
                if attempt == tries:
                    raise

    def _start_once(self) -> "WarmKernel":
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_client.session import Session
        from jupyter_core.utils import run_sync

        self.km = AsyncKernelManager(kernel_name=self.kernel_name)
        extra = {}
        if self.log_path:
            # the kernel process's own stderr (C-level warnings, crashes) goes here, not to the terminal
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = open(self.log_path, "ab")
            extra = {"stdout": self._log, "stderr": self._log}
        run_sync(self.km.start_kernel)(extra_arguments=["--HistoryManager.hist_file=:memory:"], **extra)
        self.starts += 1
        code = f"__import__('analysis.run.kernels', fromlist=['_']).warm_up_kernel({self.preload!r})"
        try:
            # One client for the kernel's life: a new one per notebook costs about 0.3 s (its
            # kernel_info handshake waits for IOPub to connect), and nbclient leaves the client of a
            # kernel it does not own open, so clients made per notebook would have to be closed
            # after each one. This one is closed with the kernel (shutdown).
            #
            # It has a session id of its own, hence its own socket identity at the kernel: a client
            # made from the manager shares the manager's, and the kernel sends a reply to the newest
            # socket with that identity, so any other client of this kernel would silence this one.
            self.kc = self.km.client(session=Session(key=self.km.session.key,
                                                     signature_scheme=self.km.session.signature_scheme))
            self.kc.start_channels()
            run_sync(self.kc.wait_for_ready)(timeout=self.startup_timeout)
            self.run_silently(code, timeout=self.startup_timeout)
        except BaseException:
            self.shutdown()
            raise
        return self

    def run_silently(self, code: str, timeout: float = 60) -> None:
        """Execute ``code`` in the kernel without output or history; raise KernelError if it fails."""
        from jupyter_core.utils import run_sync

        run_sync(self._run_silently)(code, timeout)

    async def _run_silently(self, code: str, timeout: float) -> None:
        import queue
        import time

        msg_id = self.kc.execute(code, silent=True, store_history=False)
        deadline = time.monotonic() + timeout
        while True:                     # replies to earlier requests, if any, are passed over
            try:
                reply = await self.kc.get_shell_msg(timeout=min(2.0, max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                if not await self.km.is_alive():
                    raise KernelError("内核意外退出。") from None
                if time.monotonic() >= deadline:
                    raise KernelError(f"内核在 {timeout:.0f} 秒内没有完成。") from None
                continue
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        content = reply["content"]
        if content["status"] != "ok":
            raise KernelError(f"内核准备失败：{content.get('ename')}: {content.get('evalue')}")

    def is_alive(self) -> bool:
        from jupyter_core.utils import run_sync

        return self.km is not None and bool(run_sync(self.km.is_alive)())

    def interrupt(self) -> None:
        """Send the kernel SIGINT: the running cell raises KeyboardInterrupt (used on Ctrl-C)."""
        if self.km is not None and self.km.has_kernel:
            from jupyter_core.utils import run_sync

            try:
                run_sync(self.km.interrupt_kernel)()
            except Exception:      # already gone: nothing to interrupt
                pass

    def replace(self) -> "WarmKernel":
        """Shut down this kernel (dead or not) and start a new warm one in its place."""
        self.shutdown()
        return self.start()

    def shutdown(self) -> None:
        from jupyter_core.utils import run_sync

        kc, self.kc = self.kc, None
        if kc is not None:
            kc.stop_channels()
        km, self.km = self.km, None
        if km is not None:
            try:
                run_sync(km.shutdown_kernel)(now=True)
            except Exception:      # a dead kernel: make sure its resources are released anyway
                try:
                    run_sync(km.cleanup_resources)()
                except Exception:
                    pass
            if km._created_context and not km.context.closed:
                km.context.destroy(linger=0)
        if self._log is not None:
            self._log.close()
            self._log = None


_local = threading.local()
_all_thread_kernels: list[WarmKernel] = []
_lock = threading.Lock()


def thread_kernel(preload: tuple[str, ...] = DEFAULT_PRELOAD, log_path: Path | None = None) -> WarmKernel:
    """This thread's warm kernel, started on first use (and again if it died)."""
    kernel = getattr(_local, "kernel", None)
    if kernel is None:
        kernel = WarmKernel(preload, log_path=log_path)
        _local.kernel = kernel
        with _lock:
            _all_thread_kernels.append(kernel)
    if kernel.km is None:
        kernel.start()
    elif not kernel.is_alive():
        kernel.replace()
    return kernel


@atexit.register
def _shutdown_thread_kernels() -> None:
    """Kernels are separate processes; stop them when the process holding them ends. (They would
    also stop by themselves: jupyter_client tells them their parent's pid.)"""
    with _lock:
        kernels = list(_all_thread_kernels)
    for kernel in kernels:
        try:
            kernel.shutdown()
        except Exception:
            pass
