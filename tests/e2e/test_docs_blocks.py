"""Every fenced code block in README.md and docs/*.md runs as written, on a fresh machine.

Each block is one test case named after where it starts (``README.md:L42``). By language:

* ``sh``, ``bash``, ``shell``: one bash script, ``set -euo pipefail``; a failing line fails the
  block and is named with its line in the document. ``console``: its ``$ `` lines only.
* ``python``, ``py``: the venv's python; it must exit 0 (no exception).
* ``text`` (output, file trees) and data (``json``, ``toml``, ...): shown, not run. A block
  with no language or another one fails ``test_every_block_says_what_it_is``.

A document runs top to bottom, as a reader runs it in one terminal of a fresh machine: a new
HOME per document (so the default sandbox data dir, the CLI's order journal and the rate-limit
files are new and private), nothing from the outer environment but PATH, with the venv's bin
first as after ``source .venv/bin/activate`` (no ``KALSHI_*``, no ``XDG_*``), and the working
directory an empty folder. Variables that a shell block exports carry over to the blocks after
it, as in that terminal (``eval "$(kalshi sandbox keygen ...)"`` before a Python snippet that
signs); plain shell variables do not, so each block sets the ones it uses. A block run alone
(``-k``) runs the earlier blocks of its document first.

Markers, on the line just before the opening fence:

* ``<!-- docs-test: skip (REASON) -->``: not run; reported as skipped with REASON.
* ``<!-- docs-test: timeout N -->``: runs until stopped (a foreground server, an endless
  stream); passes if it is still running after N seconds with no traceback, then gets Ctrl-C.

The blocks use the sandbox's default port 8470, as a reader's commands do: the module holds a
machine-wide lock on it while it runs, waits until nothing else listens there, and stops each
document's sandbox (``kalshi sandbox stop``) when the document is done, on failure too.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
VENV_BIN = Path(sys.executable).parent  # the venv that runs the tests: its kalshi and python

SHELL = frozenset({"sh", "bash", "shell", "console"})
PYTHON = frozenset({"python", "py"})
SHOWN = frozenset({"text", "json", "jsonl", "toml", "yaml", "ini", "csv", "diff"})

DEFAULT_PORT = 8470  # the sandbox's default port, which the documented commands use
BLOCK_TIMEOUT_S = 60.0  # a block that runs longer needs --duration or a timeout marker
CTRL_C_GRACE_S = 15.0

FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
MARKER = re.compile(r"^\s*<!--\s*docs-test:\s*(?P<what>.*?)\s*-->\s*$")
SKIP = re.compile(r"skip \((?P<reason>.+)\)")
TIMEOUT = re.compile(r"timeout (?P<seconds>\d+(?:\.\d+)?)")
# bash's own variables, which `env` lists but a terminal does not carry from command to command
VOLATILE = frozenset({"PWD", "OLDPWD", "SHLVL", "_"})


@dataclass(frozen=True)
class Block:
    document: Path
    line: int  # of the opening fence, 1-based
    language: str
    code: str
    skip: str | None = None
    timeout_s: float | None = None
    problem: str | None = None

    @property
    def id(self) -> str:
        return f"{self.document.relative_to(REPO)}:L{self.line}"

    @property
    def runs(self) -> bool:
        return self.language in SHELL | PYTHON

    @property
    def slug(self) -> str:
        return f"{self.document.stem}-L{self.line}"


def _block(document: Path, line: int, info: str, code: str, marker: str | None) -> Block:
    language = info.split()[0].lower() if info else ""
    problem = None
    if not language:
        problem = "say what it is: ```sh or ```python to run it, ```text for output"
    elif language not in SHELL | PYTHON | SHOWN:
        problem = f"```{language} is neither run nor known as shown-only (see this test's doc)"
    skip = timeout_s = None
    if marker is not None:
        if found := SKIP.fullmatch(marker):
            skip = found["reason"]
        elif found := TIMEOUT.fullmatch(marker):
            timeout_s = float(found["seconds"])
        else:
            problem = f"unknown marker `docs-test: {marker}` (skip (REASON) or timeout N)"
        if language in SHOWN:
            problem = f"a docs-test marker on a ```{language} block, which is not run"
    return Block(document, line, language, code, skip, timeout_s, problem)


def blocks_of(document: Path) -> list[Block]:
    """The fenced blocks of a Markdown file, with the marker on the line before each."""
    lines = document.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        fence, indent = opening["fence"], len(opening["indent"])
        closing = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        end = index + 1
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        body = [re.sub(rf"^ {{0,{indent}}}", "", text) for text in lines[index + 1 : end]]
        marker = MARKER.match(lines[index - 1]) if index else None
        what = marker["what"] if marker else None
        found.append(_block(document, index + 1, opening["info"].strip(), "\n".join(body), what))
        index = end + 1
    return found


def stray_markers(document: Path) -> list[str]:
    """Markers that are not on the line just before a fence (they would silently do nothing)."""
    lines = document.read_text(encoding="utf-8").splitlines()
    return [
        f"{document.relative_to(REPO)}:L{number}: a docs-test marker not just before a fence"
        for number, text in enumerate(lines, 1)
        if MARKER.match(text) and not (number < len(lines) and FENCE.match(lines[number]))
    ]


ALL_BLOCKS = [block for document in DOCUMENTS for block in blocks_of(document)]
RUNNABLE = [block for block in ALL_BLOCKS if block.runs]


def _param(block: Block) -> object:
    marks = [pytest.mark.skip(reason=f"{block.id}: {block.skip}")] if block.skip else []
    return pytest.param(block, id=block.id, marks=marks)


def console_commands(code: str) -> str:
    """A ```console block's commands: its `$ ` lines (the rest is their output)."""
    return "\n".join(text[2:] for text in code.splitlines() if text.startswith("$ "))


@dataclass
class Outcome:
    block: Block
    ok: bool
    report: str


def _tail(path: Path, lines: int = 40) -> str:
    text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    return "\n".join(text.splitlines()[-lines:]) or "(nothing)"


def _kill_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):  # it ended by itself meanwhile
        os.killpg(process.pid, sig)


def port_answers(port: int = DEFAULT_PORT) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.3):
            return True
    except OSError:
        return False


def wait_port_free(seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while port_answers():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


class Terminal:
    """One document's fresh machine and the terminal its blocks run in, in order."""

    def __init__(self, document: Path, home: Path) -> None:
        self.document = document
        self.home = home
        self.cwd = home / "work"  # where the reader types: an empty folder (no .env)
        self.files = home / ".docs-test"  # the scripts and their output, beside the reader's
        runtime = home / ".run"
        for folder in (self.cwd, self.files, home / "tmp"):
            folder.mkdir()
        runtime.mkdir(mode=0o700)
        self.env = {
            "HOME": str(home),
            "PATH": os.pathsep.join([str(VENV_BIN), os.environ.get("PATH", os.defpath)]),
            "LANG": "C.UTF-8",
            "TMPDIR": str(home / "tmp"),
            "XDG_RUNTIME_DIR": str(runtime),  # the rate limiter's shared files: private too
        }
        self.attempted: set[int] = set()

    def run(self, block: Block) -> Outcome:
        self.attempted.add(block.line)
        out, err = self.files / f"{block.slug}.out", self.files / f"{block.slug}.err"
        exported = self.files / f"{block.slug}.env"
        if block.language in PYTHON:
            script = self.files / f"{block.slug}.py"
            script.write_text(block.code + "\n", encoding="utf-8")
            command = [str(VENV_BIN / "python"), str(script)]
        else:
            script = self.files / f"{block.slug}.sh"
            script.write_text(self._shell_script(block), encoding="utf-8")
            command = ["bash", str(script), str(exported)]
        with out.open("wb") as stdout, err.open("wb") as stderr:
            process = subprocess.Popen(  # its own group: a timeout stops bash and its children
                command,
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
                start_new_session=True,
            )
            if block.timeout_s is not None:
                verdict = self._still_running_after(process, block.timeout_s, err)
            else:
                verdict = self._finished(process)
        if verdict is None and exported.exists():
            self._carry_over(exported)
        report = "\n".join(
            [
                f"{block.id} ({block.language}): {verdict or 'ok'}",
                "--- block ---",
                block.code,
                "--- stdout (end) ---",
                _tail(out),
                "--- stderr (end) ---",
                _tail(err),
            ]
        )
        return Outcome(block, verdict is None, report)

    def _shell_script(self, block: Block) -> str:
        code = console_commands(block.code) if block.language == "console" else block.code
        # the failing line, named with its line in the document (the body starts on line 4)
        where = f"$((LINENO + {block.line - 3}))"
        trap = f'echo "docs-test: line {where} failed with exit status $?: $BASH_COMMAND" >&2'
        header = [
            'docs_env_out="$1"; shift',
            f"trap '{trap}' ERR" if block.timeout_s is None else ":  # Ctrl-C ends it: no trap",
            "set -euo pipefail",
        ]
        # the variables the block leaves exported, for the blocks after it
        return "\n".join([*header, code, 'env -0 > "$docs_env_out"', ""])

    def _finished(self, process: subprocess.Popen[bytes]) -> str | None:
        try:
            status = process.wait(timeout=BLOCK_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            _kill_group(process, signal.SIGKILL)
            process.wait()
            return (
                f"still running after {BLOCK_TIMEOUT_S:g}s (killed): give it an end "
                "(--duration S, | head -N) or mark it <!-- docs-test: timeout N -->"
            )
        return None if status == 0 else f"exit status {status}"

    @staticmethod
    def _still_running_after(
        process: subprocess.Popen[bytes], seconds: float, err: Path
    ) -> str | None:
        try:
            status = process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            status = None
        healthy = "Traceback (most recent call last)" not in _tail(err, 10_000)
        if status is None:  # what a reader does next: Ctrl-C
            _kill_group(process, signal.SIGINT)
            try:
                process.wait(timeout=CTRL_C_GRACE_S)
            except subprocess.TimeoutExpired:
                _kill_group(process, signal.SIGKILL)
                process.wait()
                return f"ran {seconds:g}s as it should, but Ctrl-C did not stop it (killed)"
        if status is not None:
            return f"exited with status {status} before {seconds:g}s (timeout marker: runs on)"
        return None if healthy else f"a traceback within its first {seconds:g}s"

    def _carry_over(self, exported: Path) -> None:
        pairs = (item.split("=", 1) for item in exported.read_bytes().decode().split("\0"))
        self.env = {p[0]: p[1] for p in pairs if len(p) == 2 and p[0] not in VOLATILE}

    def close(self) -> None:
        """What a reader does when done: stop the sandbox the blocks started, if any."""
        subprocess.run(
            ["bash", "-c", "kalshi sandbox stop"],
            cwd=self.cwd,
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=60,
            check=False,
        )
        if not wait_port_free(15):
            raise AssertionError(
                f"after {self.document.name}'s blocks and `kalshi sandbox stop`, something still "
                f"listens on 127.0.0.1:{DEFAULT_PORT}"
            )


class Machines:
    """A fresh machine per document; the previous one's sandbox is stopped first."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self.factory = factory
        self.current: Terminal | None = None

    def terminal_for(self, document: Path) -> Terminal:
        if self.current is not None and self.current.document == document:
            return self.current
        self.close()
        self.current = Terminal(document, self.factory.mktemp(f"docs-{document.stem}"))
        return self.current

    def close(self) -> None:
        current, self.current = self.current, None
        if current is not None:
            current.close()


@pytest.fixture(scope="module")
def default_port() -> Iterator[None]:
    """Port 8470 for this module alone: one docs run per machine at a time, and nothing else
    listening there (a reader's own sandbox, say), else the module is skipped."""
    lock_path = Path(tempfile.gettempdir()) / f"kalshikit-docs-test-{DEFAULT_PORT}.lock"
    with lock_path.open("a") as lock:
        deadline = time.monotonic() + 300
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    pytest.skip("another docs test run has held port 8470 for 5 minutes")
                time.sleep(0.5)
        try:
            if not wait_port_free(30):
                pytest.skip(
                    f"something else listens on 127.0.0.1:{DEFAULT_PORT}, the sandbox's default "
                    "port that the documented commands use (stop it to run these)"
                )
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="module")
def machines(default_port: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Machines]:
    made = Machines(tmp_path_factory)
    try:
        yield made
    finally:
        made.close()


def test_every_block_says_what_it_is() -> None:
    problems = [f"{block.id}: {block.problem}" for block in ALL_BLOCKS if block.problem]
    problems += [stray for document in DOCUMENTS for stray in stray_markers(document)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("block", [_param(block) for block in RUNNABLE])
def test_block_runs_as_written(block: Block, machines: Machines) -> None:
    terminal = machines.terminal_for(block.document)
    earlier = [
        before
        for before in RUNNABLE
        if before.document == block.document and before.line < block.line and not before.skip
    ]
    for before in earlier:  # only when run alone (-k): in order, each ran in its own test
        if before.line not in terminal.attempted:
            outcome = terminal.run(before)
            if not outcome.ok:
                pytest.fail(f"{before.id}, which comes first, failed:\n{outcome.report}")
    outcome = terminal.run(block)
    assert outcome.ok, outcome.report
