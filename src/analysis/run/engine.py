"""A papermill engine that runs a notebook in an already-started, warm kernel.

Registered under papermill's ``papermill.engine`` entry point as ``survey-warm`` (pyproject.toml),
so ``papermill.execute_notebook(..., engine_name="survey-warm", kernel=warm_kernel)`` works anywhere
the package is installed. Passing ``km=`` to papermill's default engine is not enough (papermill
issues #326 and #616, nbclient issue #348):

- a variable set by one run is still there in the next, so this engine first resets the kernel
  (:func:`analysis.run.kernels.reset_kernel`: user namespace, matplotlib state, environment, execution
  counter);
- papermill's ``cwd=`` only changes the directory of a kernel papermill starts, so the engine sets
  the kernel's working directory itself: ``kernel_cwd=``, or else the directory papermill is in
  while executing (which is ``cwd=`` when given), exactly what a fresh kernel would have had;
- nbclient does not stop a kernel client it created for a kernel manager it does not own, leaking
  its sockets and threads each run, so the engine gives nbclient the kernel's own client
  (:attr:`analysis.run.kernels.WarmKernel.kc`, opened once when the kernel starts and closed when it
  shuts down) and takes it back when the notebook is done, whatever happened: nbclient creates no
  client, so none is left open. (Closing a new client after each notebook also worked, but its
  handshake cost about 0.3 s per district.)

It also writes the executed notebook once, at the end, instead of before and after every cell
(see :meth:`WarmKernelEngine.execute_notebook`), and without what cells printed to stderr
(:func:`drop_stderr`): a library's warning or log line (matplotlib's findfont, a statsmodels
convergence warning) goes to the ``stderr_file`` papermill is given, the run's log, and never into
a report, whose bytes would otherwise depend on what that kernel had printed before.

papermill imports this module while papermill itself is still being imported (entry points are
loaded at the end of ``papermill.engines``), so the class cannot subclass papermill's ``Engine`` at
import time without a circular import; it implements the same three class methods instead and
imports papermill inside them.
"""

from __future__ import annotations

import os

ENGINE_NAME = "survey-warm"


class WarmKernelEngine:
    """papermill engine: execute in ``kernel`` (an :class:`analysis.run.kernels.WarmKernel`)."""

    @classmethod
    def execute_notebook(cls, nb, kernel_name, output_path=None, progress_bar=True, log_output=False,
                         autosave_cell_every=30, **kwargs):
        """papermill's ``Engine.execute_notebook`` (progress bar, cell status and timings), except
        that the notebook is not written to ``output_path`` before and after every cell: that
        costs about half a second per district report (some 60 writes of a notebook with its
        figures), for a file nobody watches. papermill itself writes the finished notebook, and
        the notebook of a failed cell; when the kernel dies, which papermill does not save, it is
        written here, so the runner can still name the cell that was running."""
        from papermill.engines import NotebookExecutionManager
        from papermill.iorw import write_ipynb

        nb_man = NotebookExecutionManager(nb, output_path=None, progress_bar=progress_bar,
                                          log_output=log_output, autosave_cell_every=0)
        nb_man.notebook_start()
        finished = False
        try:
            cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
            finished = True
        finally:
            nb_man.cleanup_pbar()
            nb_man.notebook_complete()
            drop_stderr(nb_man.nb)
            if not finished and output_path:
                write_ipynb(nb_man.nb, output_path)
        return nb_man.nb

    @classmethod
    def nb_kernel_name(cls, nb, name=None):
        from papermill.utils import nb_kernel_name

        return nb_kernel_name(nb, name)

    @classmethod
    def nb_language(cls, nb, language=None):
        from papermill.utils import nb_language

        return nb_language(nb, language)

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, *, kernel=None, kernel_cwd=None,
                                 log_output=False, stdout_file=None, stderr_file=None,
                                 start_timeout=60, execution_timeout=None, **kwargs):
        from papermill.exceptions import PapermillException
        from papermill.log import logger

        if kernel is None or kernel.km is None:
            raise PapermillException(f"The {ENGINE_NAME} engine needs kernel=<a started WarmKernel>.")
        client = _client_class()(
            nb_man, km=kernel.km, kernel_name=kernel_name, log=logger, log_output=log_output,
            stdout_file=stdout_file, stderr_file=stderr_file, startup_timeout=start_timeout,
            timeout=execution_timeout or kwargs.get("timeout"),
            kernel_cwd=str(kernel_cwd or os.getcwd()),
            # one output per stream and cell: print("2") can reach the client as "2" and "\n" when
            # the kernel's output timer fires between the two writes; merged, an executed notebook
            # does not depend on that timing
            coalesce_streams=True)
        client.kc = kernel.kc           # the kernel's own client: nbclient then makes none
        return client.execute()


def drop_stderr(nb) -> None:
    """Remove every cell's stderr stream output from ``nb`` (in place). papermill has written it
    to its ``stderr_file`` already as it arrived (``PapermillNotebookClient.log_output_message``)."""
    for cell in nb.cells:
        outputs = cell.get("outputs")
        if outputs:
            cell["outputs"] = [o for o in outputs
                               if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]


_CLIENT = None


def _client_class():
    """papermill's notebook client, made to reset the kernel first and to close itself after."""
    global _CLIENT
    if _CLIENT is not None:
        return _CLIENT
    from papermill.clientwrap import PapermillNotebookClient
    from traitlets import Unicode

    from analysis.run.kernels import KernelError

    class WarmKernelClient(PapermillNotebookClient):
        kernel_cwd = Unicode("")

        def papermill_execute_cells(self):
            code = f"__import__('analysis.run.kernels', fromlist=['_']).reset_kernel({self.kernel_cwd!r})"
            msg_id = self.kc.execute(code, silent=True, store_history=False)
            reply = self.wait_for_reply(msg_id)
            if reply is None or reply["content"]["status"] != "ok":
                content = reply["content"] if reply else {}
                raise KernelError(f"内核重置失败：{content.get('ename')}: {content.get('evalue')}")
            super().papermill_execute_cells()

        def execute(self, **kwargs):
            try:
                return super().execute(**kwargs)
            finally:        # the client stays the kernel's (WarmKernel.kc), open for the next notebook
                self.kc = None

    _CLIENT = WarmKernelClient
    return _CLIENT
