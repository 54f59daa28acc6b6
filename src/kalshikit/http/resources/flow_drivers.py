"""Drive an exactly-once flow (a sans-I/O generator of requests, calls and sleeps) with the sync
or the async client: orders, batches and transfers all run through these two loops."""

from __future__ import annotations

import asyncio
import time
from typing import TypeVar, cast

from kalshikit.errors import APIError
from kalshikit.http._core import Call, PreparedRequest
from kalshikit.http.exactly_once import Flow
from kalshikit.http.resources._base import AsyncResourceClient, ResourceClient

__all__ = ["arun_flow", "run_flow"]

T = TypeVar("T")


def run_flow(client: ResourceClient, flow: Flow[T]) -> T:
    """Drive an exactly-once flow with the sync client."""
    reply: object = None
    failure: APIError | None = None
    while True:
        try:
            step = flow.send(reply) if failure is None else flow.throw(failure)
        except StopIteration as done:
            return cast(T, done.value)
        reply, failure = None, None
        try:
            if isinstance(step, PreparedRequest):
                reply = client.send(step)
            elif isinstance(step, Call):
                reply = client.call(step)
            else:
                time.sleep(step)
        except APIError as error:
            failure = error


async def arun_flow(client: AsyncResourceClient, flow: Flow[T]) -> T:
    """Drive an exactly-once flow with the async client."""
    reply: object = None
    failure: APIError | None = None
    while True:
        try:
            step = flow.send(reply) if failure is None else flow.throw(failure)
        except StopIteration as done:
            return cast(T, done.value)
        reply, failure = None, None
        try:
            if isinstance(step, PreparedRequest):
                reply = await client.send(step)
            elif isinstance(step, Call):
                reply = await client.call(step)
            else:
                await asyncio.sleep(step)
        except APIError as error:
            failure = error
