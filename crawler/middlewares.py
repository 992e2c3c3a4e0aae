"""Downloader middlewares: retries with back-off (a server that fails or says "come back later"
is asked again, later), and redirect loops cut short."""

import asyncio
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from w3lib.url import safe_url_string


def retry_after_seconds(value: bytes | None) -> float | None:
    """The wait a Retry-After header asks for (seconds or an HTTP date), if it asks for one."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries, each after a pause: the server's Retry-After, else a doubling delay."""

    @classmethod
    def from_crawler(cls, crawler: Any) -> "BackoffRetryMiddleware":
        middleware = super().from_crawler(crawler)
        middleware.base = crawler.settings.getfloat("RETRY_BACKOFF_BASE")
        middleware.limit = crawler.settings.getfloat("RETRY_BACKOFF_MAX")
        return middleware

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        retry = super().process_response(request, response)
        if isinstance(retry, Request):
            await self._pause(retry, retry_after_seconds(response.headers.get("Retry-After")))
        return retry

    async def process_exception(self, request: Request, exception: Exception) -> Any:
        retry = super().process_exception(request, exception)
        if isinstance(retry, Request):
            await self._pause(retry, None)
        return retry

    async def _pause(self, retry: Request, asked: float | None) -> None:
        """Wait before the retry goes out: as asked, or base × 2^(attempt − 1), within the limit."""
        attempt = int(retry.meta.get("retry_times", 1))
        delay = asked if asked is not None else self.base * 2 ** (attempt - 1)
        await asyncio.sleep(min(delay, self.limit))


class RedirectLoopMiddleware:
    """Ends a redirect back to a URL of its own chain as a failed request (`redirect loop`).

    Without it the duplicate filter drops the looping request silently, or, for requests that
    skip the filter, Scrapy follows the loop until REDIRECT_MAX_TIMES.
    """

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get("Location")
        if not 300 <= response.status < 400 or not location:
            return response
        target = urljoin(request.url, safe_url_string(location.decode("latin-1")))
        if target in [*request.meta.get("redirect_urls", []), request.url]:
            raise IgnoreRequest(f"redirect loop back to {target}")
        return response
