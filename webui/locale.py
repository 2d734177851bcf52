"""The page is Chinese whatever the browser's language.

Gradio's frontend (svelte-i18n) picks its language once, from ``navigator.language``, before it has read
the app's config, so neither ``gr.I18n`` (its English strings are loaded after custom ones and win) nor a
``head=`` script (added after start-up) can change it. This ASGI middleware puts one small script at the top
of every HTML page the app serves, before Gradio's own module script runs, that reports ``zh-CN`` as the
browser's language to that page (and makes ``/?view=api`` open the API page, see ``API_VIEW``). JSON, files
and the event stream pass through untouched.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

LOCALE = "zh-CN"
# ``/?view=api``: Gradio 6 reads the address at start-up and marks its API page open, but shows it empty (the
# description is fetched only when its footer link opens it). So the address loses ``view=api`` before Gradio
# reads it, and once the page is up its own 通过 API 使用 link (``.show-api``) is clicked, which opens it whole.
API_VIEW = (
    "(function(){var q=new URLSearchParams(location.search);if(q.get('view')!=='api')return;"
    "q.delete('view');history.replaceState(null,'',location.pathname+(q.toString()?'?'+q:'')+location.hash);"
    "var n=0,t=setInterval(function(){var b=document.querySelector('.show-api');"
    "if(b){clearInterval(t);b.click();}else if(++n>600){clearInterval(t);}},100);})();"
)
SCRIPT = (
    "<script>(function(){try{"
    f"Object.defineProperty(navigator,'language',{{configurable:true,get:function(){{return '{LOCALE}'}}}});"
    f"Object.defineProperty(navigator,'languages',{{configurable:true,get:function(){{return ['{LOCALE}','zh']}}}});"
    f"document.documentElement.lang='{LOCALE}';"
    "}catch(e){}})();" + API_VIEW + "</script>"
).encode()

API_PATH = "/gradio_api/"  # Gradio's API routes (queue, event streams, files): passed through untouched
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def inject(page: bytes) -> bytes:
    """The page with the locale script right after its ``<head>`` (unchanged if it has none)."""
    at = page.find(b"<head>")
    if at < 0:
        return page
    at += len(b"<head>")
    return page[:at] + SCRIPT + page[at:]


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes:
    return next((v for k, v in headers if k.lower() == name), b"")


class ChinesePageMiddleware:
    """Adds :data:`SCRIPT` to uncompressed ``text/html`` responses to GET requests."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http" or scope.get("method") != "GET" or API_PATH in scope.get("path", ""):
            await self.app(scope, receive, send)  # the API and its event streams are never pages
            return
        start: Message | None = None
        chunks: list[bytes] = []
        passing = False

        async def send_page(message: Message) -> None:
            nonlocal start, passing
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                is_html = _header(headers, b"content-type").startswith(b"text/html")
                if not is_html or _header(headers, b"content-encoding"):
                    passing = True
                    await send(message)
                else:
                    start = message
                return
            if passing or start is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = inject(b"".join(chunks))
            headers = [(k, v) for k, v in start.get("headers") or [] if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, send_page)
