"""TRL reward functions backed by spatial-ladder's reward server.

``npx ladder serve rewards`` (or the engine itself) serves the configured
reward plugins over HTTP; this module turns them into reward functions for
TRL's ``GRPOTrainer``, so TRL training is rewarded by exactly the code the
embedded trainer runs::

    from ladder_rewards import reward_functions

    funcs = reward_functions("http://127.0.0.1:40123", ["format", "accuracy"])
    trainer = GRPOTrainer(..., reward_funcs=funcs, args=GRPOConfig(reward_weights=[1.0, 1.0]))

Each function, named ``reward_<id>``, returns that reward's unweighted
values (TRL applies ``reward_weights``). The dataset needs a ``sample``
column holding each row's Sample as JSON text (what ``ladder data export
--format trl`` writes). The first call of a batch asks the server once for
every reward; the other functions of the same batch reuse that answer.

Python standard library only (http.client, json). One keep-alive connection
per process; a connection the server closed while idle is reopened.
"""

from __future__ import annotations

import http.client
import json
import sys
import time
import urllib.parse
from typing import Any, Callable, Sequence

__all__ = ["reward_functions", "RewardServerError"]

REWARDS_PATH = "/v1/rewards"
HEALTH_PATH = "/v1/health"
# Retried: the server is starting, restarting or busy. Other answers are final.
RETRY_STATUS = {429, 502, 503}
RETRY_DELAYS = (0.25, 0.5, 1.0, 2.0, 4.0)


class RewardServerError(RuntimeError):
    """The reward server refused a request (``status``, and the ``field`` at fault when it named one), or could not be reached."""

    def __init__(self, message: str, status: int | None = None, field: str | None = None):
        super().__init__(message)
        self.status = status
        self.field = field


def _completion_text(completion: Any, index: int) -> str:
    """A completion as text: a string, or TRL's conversational form (a list of messages)."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list) and completion and isinstance(completion[-1], dict):
        content = completion[-1].get("content")
        if isinstance(content, str):
            return content
        if isinstance(content, list):  # multimodal content parts
            return "".join(part.get("text", "") for part in content if isinstance(part, dict) and part.get("type", "text") == "text")
    raise TypeError(
        f"completions[{index}] is {type(completion).__name__}: expected a string or a list of "
        '{"role": "assistant", "content": ...} messages'
    )


def _sample_json(sample: Any, index: int) -> str:
    """A sample as JSON text: the dataset's JSON string (as is), or a dict."""
    if isinstance(sample, str):
        return sample
    if isinstance(sample, dict):
        return json.dumps(sample)
    raise TypeError(f"sample[{index}] is {type(sample).__name__}: expected the Sample's JSON text (the dataset's `sample` column)")


def _check_samples(samples: Sequence[Any]) -> None:
    """Name the sample that is not JSON (run when the server found the body unreadable)."""
    for index, sample in enumerate(samples):
        if isinstance(sample, str):
            try:
                json.loads(sample)
            except ValueError as error:
                raise ValueError(f"sample[{index}] is not JSON ({error}): the `sample` column must hold each row's Sample as JSON") from None


class _Client:
    """One HTTP client per reward_functions() call; remembers the last batch's answer."""

    def __init__(self, url: str, reward_ids: Sequence[str], token: str | None, timeout: float):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"url {url!r}: expected http://host:port (what `npx ladder serve rewards` prints)")
        self.url = url.rstrip("/")
        self.parts = parts
        self.reward_ids = list(reward_ids)
        self.headers = {"Accept": "application/json", "Content-Type": "application/json"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        self.timeout = timeout
        self.connection: http.client.HTTPConnection | None = None
        self.ids_checked = False
        self.max_body: int | None = None
        self.last_key: tuple | None = None
        self.last_rewards: dict[str, list[float]] | None = None
        self.requests = 0

    def _exchange(self, method: str, path: str, body: bytes | None) -> tuple[int, bytes]:
        """One request on the kept-alive connection; a connection the server closed while idle is reopened once."""
        for reused in (True, False):
            fresh = self.connection is None
            if fresh:
                kind = http.client.HTTPSConnection if self.parts.scheme == "https" else http.client.HTTPConnection
                self.connection = kind(self.parts.hostname, self.parts.port, timeout=self.timeout)
            try:
                self.connection.request(method, self.parts.path.rstrip("/") + path, body=body, headers=self.headers)
                response = self.connection.getresponse()
                return response.status, response.read()
            except (http.client.HTTPException, OSError):
                self.connection.close()
                self.connection = None
                if fresh or not reused:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _call(self, method: str, path: str, body: bytes | None = None) -> Any:
        where = f"{method} {self.url}{path}"
        for attempt, delay in enumerate((*RETRY_DELAYS, None)):
            try:
                status, data = self._exchange(method, path, body)
            except (http.client.HTTPException, OSError) as error:
                if delay is None:
                    raise RewardServerError(
                        f"{where}: {error or type(error).__name__} (gave up after {attempt + 1} attempts; "
                        "is `npx ladder serve rewards` running there?)"
                    ) from None
                why = str(error) or type(error).__name__
            else:
                if status == 200:
                    return json.loads(data)
                text = data.decode("utf-8", "replace")
                try:
                    error = json.loads(text)["error"]
                    message, field = error["message"], error.get("field")
                except (ValueError, KeyError, TypeError):
                    message, field = text[:300] or http.client.responses.get(status, ""), None
                if status not in RETRY_STATUS or delay is None:
                    raise RewardServerError(f"{where}: HTTP {status}: {message}", status, field)
                why = f"HTTP {status}: {message}"
            sys.stderr.write(f"ladder_rewards: {where}: {why}; retrying in {delay} s (attempt {attempt + 2} of {len(RETRY_DELAYS) + 1})\n")
            time.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _check_ids(self) -> None:
        """Once: the server serves every reward asked for; learn its body limit."""
        health = self._call("GET", HEALTH_PATH)
        served = health.get("rewards", [])
        missing = [i for i in self.reward_ids if i not in served]
        if missing:
            raise RewardServerError(
                f"{self.url} serves the rewards {', '.join(served)}; not {', '.join(missing)} "
                "(serve a config whose `rewards` names them, or pass --stage)"
            )
        self.max_body = health.get("maxBodyBytes")
        self.ids_checked = True

    def rewards(self, completions: Sequence[Any], samples: Sequence[Any]) -> dict[str, list[float]]:
        if len(completions) != len(samples):
            raise ValueError(f"{len(completions)} completions for {len(samples)} samples: they pair up one to one")
        texts = [_completion_text(c, i) for i, c in enumerate(completions)]
        jsons = [_sample_json(s, i) for i, s in enumerate(samples)]
        key = (tuple(texts), tuple(jsons))
        if key == self.last_key and self.last_rewards is not None:
            return self.last_rewards
        if not self.ids_checked:
            self._check_ids()
        body = ('{"completions":' + json.dumps(texts) + ',"samples":[' + ",".join(jsons) + "]}").encode("utf-8")
        if self.max_body is not None and len(body) > self.max_body:
            raise RewardServerError(
                f"a batch of {len(texts)} completions is {len(body)} bytes; the server at {self.url} accepts at most "
                f"{self.max_body} (start it with a larger --max-body-bytes, or use smaller batches)"
            )
        try:
            answer = self._call("POST", REWARDS_PATH, body)
        except RewardServerError as error:
            if error.field == "(body)":
                _check_samples(samples)  # a sample that is not JSON: say which
            raise
        self.requests += 1
        values = {}
        for reward_id in self.reward_ids:
            got = answer.get("rewards", {}).get(reward_id)
            if not isinstance(got, list) or len(got) != len(texts):
                raise RewardServerError(f"{self.url}{REWARDS_PATH}: the answer has no {len(texts)} values for reward {reward_id!r}")
            values[reward_id] = [float(v) for v in got]
        self.last_key, self.last_rewards = key, values
        return values


def reward_functions(url: str, reward_ids: list[str], token: str | None = None, timeout: float = 60.0) -> list[Callable]:
    """One TRL reward function per reward id, in order, each named ``reward_<id>``.

    ``url`` is the server's base URL (``http://127.0.0.1:40123``), ``token``
    its bearer token if it was started with one, ``timeout`` the seconds one
    request may take. Connection failures and HTTP 429/502/503 are retried
    (5 times, 0.25 s to 4 s apart); other errors raise ``RewardServerError``
    with the server's message.
    """
    if not reward_ids:
        raise ValueError("reward_ids is empty: name at least one reward")
    client = _Client(url, reward_ids, token, timeout)

    def make(reward_id: str) -> Callable:
        def reward(completions, sample, **kwargs) -> list[float]:
            return client.rewards(completions, sample)[reward_id]

        reward.__name__ = reward.__qualname__ = f"reward_{reward_id}"
        reward.__doc__ = f"spatial-ladder reward {reward_id!r} from {client.url} (unweighted)."
        reward.client = client  # type: ignore[attr-defined]
        return reward

    return [make(reward_id) for reward_id in reward_ids]
